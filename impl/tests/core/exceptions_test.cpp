// Exception classes: names, messages and CPython's errno -> subclass table.
#include "pyproc/exceptions.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <optional>
#include <string>

namespace pyproc {
namespace {

struct ErrnoCase {
  int errno_value;
  const char* type;
  const char* message;  // str(OSError(errno, os.strerror(errno))) in CPython 3.11
};

void PrintTo(const ErrnoCase& c, std::ostream* os) { *os << c.type << " " << c.errno_value; }

class RaiseOsErrorTest : public ::testing::TestWithParam<ErrnoCase> {};

TEST_P(RaiseOsErrorTest, PicksCPythonsSubclassAndMessage) {
  const ErrnoCase& c = GetParam();
  try {
    raise_os_error(c.errno_value);
    FAIL() << "raise_os_error returned";
  } catch (const OSError& e) {
    EXPECT_STREQ(e.type_name(), c.type);
    EXPECT_STREQ(e.what(), c.message);
    EXPECT_EQ(e.errno_value(), c.errno_value);
  }
}

INSTANTIATE_TEST_SUITE_P(
    CPythonTable, RaiseOsErrorTest,
    ::testing::Values(
        ErrnoCase{EAGAIN, "BlockingIOError", "[Errno 11] Resource temporarily unavailable"},
        ErrnoCase{EINPROGRESS, "BlockingIOError", "[Errno 115] Operation now in progress"},
        ErrnoCase{EALREADY, "BlockingIOError", "[Errno 114] Operation already in progress"},
        ErrnoCase{ENOMEM, "OSError", "[Errno 12] Cannot allocate memory"},
        ErrnoCase{EMFILE, "OSError", "[Errno 24] Too many open files"},
        ErrnoCase{ESRCH, "ProcessLookupError", "[Errno 3] No such process"},
        ErrnoCase{ECHILD, "ChildProcessError", "[Errno 10] No child processes"},
        ErrnoCase{EINTR, "InterruptedError", "[Errno 4] Interrupted system call"},
        ErrnoCase{EPERM, "PermissionError", "[Errno 1] Operation not permitted"},
        ErrnoCase{EACCES, "PermissionError", "[Errno 13] Permission denied"},
        ErrnoCase{EPIPE, "BrokenPipeError", "[Errno 32] Broken pipe"},
        ErrnoCase{ESHUTDOWN, "BrokenPipeError",
                  "[Errno 108] Cannot send after transport endpoint shutdown"},
        ErrnoCase{ECONNRESET, "ConnectionResetError", "[Errno 104] Connection reset by peer"},
        ErrnoCase{ECONNREFUSED, "ConnectionRefusedError", "[Errno 111] Connection refused"},
        ErrnoCase{ECONNABORTED, "ConnectionAbortedError",
                  "[Errno 103] Software caused connection abort"},
        ErrnoCase{ENOENT, "FileNotFoundError", "[Errno 2] No such file or directory"},
        ErrnoCase{EEXIST, "FileExistsError", "[Errno 17] File exists"},
        ErrnoCase{EISDIR, "IsADirectoryError", "[Errno 21] Is a directory"},
        ErrnoCase{ENOTDIR, "NotADirectoryError", "[Errno 20] Not a directory"},
        ErrnoCase{ETIMEDOUT, "TimeoutError", "[Errno 110] Connection timed out"},
        ErrnoCase{9999, "OSError", "[Errno 9999] Unknown error 9999"},
        ErrnoCase{0, "OSError", "[Errno 0] Success"}));

TEST(RaiseOsError, SubclassesAreCatchableAsTheirPythonBases) {
  EXPECT_THROW(raise_os_error(ESRCH), ProcessLookupError);
  EXPECT_THROW(raise_os_error(ECHILD), ChildProcessError);
  EXPECT_THROW(raise_os_error(EINTR), InterruptedError);
  EXPECT_THROW(raise_os_error(EAGAIN), BlockingIOError);
  EXPECT_THROW(raise_os_error(EPIPE), ConnectionError);
  EXPECT_THROW(raise_os_error(ESRCH), Exception);
  EXPECT_THROW(raise_os_error(ESRCH), BaseException);
}

TEST(OSError, ExplicitMessageKeepsTheErrnoPrefix) {
  const OSError e(ENOENT, "custom text");
  EXPECT_STREQ(e.what(), "[Errno 2] custom text");
  EXPECT_EQ(e.errno_value(), ENOENT);
  EXPECT_EQ(e.strerror(), "custom text");
  EXPECT_STREQ(e.type_name(), "OSError");
}

// e.strerror and e.filename: filename() is the str the error names, None
// when it names none or names a bytes path or a descriptor; filename_repr()
// is repr(e.filename) for any of them.
TEST(OSError, StrerrorAndFilenameAreKept) {
  EXPECT_EQ(OSError(ENOENT).filename(), std::nullopt);
  EXPECT_EQ(OSError(ENOENT).filename_repr(), std::nullopt);
  EXPECT_EQ(OSError(ENOENT).strerror(), "No such file or directory");
  try {
    raise_os_error_for_file(ENOENT, "/no/such");
    FAIL() << "raise_os_error_for_file returned";
  } catch (const FileNotFoundError& e) {
    EXPECT_STREQ(e.what(), "[Errno 2] No such file or directory: '/no/such'");
    EXPECT_EQ(e.filename(), "/no/such");
    EXPECT_EQ(e.filename_repr(), "'/no/such'");
    EXPECT_EQ(e.strerror(), "No such file or directory");
  }
  try {
    raise_os_error(EBADF, "7");
    FAIL() << "raise_os_error returned";
  } catch (const OSError& e) {
    EXPECT_STREQ(e.what(), "[Errno 9] Bad file descriptor: 7");
    EXPECT_EQ(e.filename(), std::nullopt);
    EXPECT_EQ(e.filename_repr(), "7");
  }
}

// Every class, through a reference to the root as an `except` clause sees it.
TEST(Exceptions, TypeNamesAreThePythonClassNames) {
  const auto name = [](const BaseException& e) { return std::string(e.type_name()); };
  EXPECT_EQ(name(BaseException("m")), "BaseException");
  EXPECT_EQ(name(Exception("m")), "Exception");
  EXPECT_EQ(name(AssertionError("m")), "AssertionError");
  EXPECT_EQ(name(ValueError("m")), "ValueError");
  EXPECT_EQ(name(TypeError("m")), "TypeError");
  EXPECT_EQ(name(RuntimeError("m")), "RuntimeError");
  EXPECT_EQ(name(KeyboardInterrupt("m")), "KeyboardInterrupt");
  EXPECT_EQ(name(AttributeError("m")), "AttributeError");
  EXPECT_EQ(name(ArithmeticError("m")), "ArithmeticError");
  EXPECT_EQ(name(OverflowError("m")), "OverflowError");
  EXPECT_EQ(name(LookupError("m")), "LookupError");
  EXPECT_EQ(name(KeyError("m")), "KeyError");
  EXPECT_EQ(name(OSError(EIO)), "OSError");
  EXPECT_EQ(name(ProcessLookupError(ESRCH)), "ProcessLookupError");
  EXPECT_EQ(name(ChildProcessError(ECHILD)), "ChildProcessError");
  EXPECT_EQ(name(InterruptedError(EINTR)), "InterruptedError");
  EXPECT_EQ(name(BlockingIOError(EAGAIN)), "BlockingIOError");
  EXPECT_EQ(name(ConnectionError(EPIPE)), "ConnectionError");
  EXPECT_EQ(name(BrokenPipeError(EPIPE)), "BrokenPipeError");
  EXPECT_EQ(name(ConnectionAbortedError(ECONNABORTED)), "ConnectionAbortedError");
  EXPECT_EQ(name(ConnectionRefusedError(ECONNREFUSED)), "ConnectionRefusedError");
  EXPECT_EQ(name(ConnectionResetError(ECONNRESET)), "ConnectionResetError");
  EXPECT_EQ(name(FileExistsError(EEXIST)), "FileExistsError");
  EXPECT_EQ(name(FileNotFoundError(ENOENT)), "FileNotFoundError");
  EXPECT_EQ(name(IsADirectoryError(EISDIR)), "IsADirectoryError");
  EXPECT_EQ(name(NotADirectoryError(ENOTDIR)), "NotADirectoryError");
  EXPECT_EQ(name(PermissionError(EPERM)), "PermissionError");
  EXPECT_EQ(name(TimeoutError(ETIMEDOUT)), "TimeoutError");
  EXPECT_EQ(name(SystemExit()), "SystemExit");
  EXPECT_STREQ(ValueError("process object is closed").what(), "process object is closed");
}

TEST(SystemExit, CodeAndStrAsInPython) {
  const SystemExit none;
  EXPECT_TRUE(std::holds_alternative<std::monostate>(none.code()));
  EXPECT_STREQ(none.what(), "");
  EXPECT_STREQ(none.type_name(), "SystemExit");

  const SystemExit three(std::int64_t{3});
  EXPECT_EQ(std::get<std::int64_t>(three.code()), 3);
  EXPECT_STREQ(three.what(), "3");

  const SystemExit negative(std::int64_t{-1});
  EXPECT_STREQ(negative.what(), "-1");

  const SystemExit text("bye");
  EXPECT_EQ(std::get<std::string>(text.code()), "bye");
  EXPECT_STREQ(text.what(), "bye");
}

}  // namespace
}  // namespace pyproc

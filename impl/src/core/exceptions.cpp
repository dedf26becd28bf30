// OSError's message and CPython's errno -> exception class table.
#include "pyproc/exceptions.hpp"

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "pyproc/py_repr.hpp"

namespace pyproc {
namespace {

// os.strerror(): glibc's text, "Unknown error N" for numbers it does not know.
// The GNU strerror_r is used because strerror() may share a static buffer
// between threads.
std::string strerror_text(int errno_value) {
  char buf[256];
  return ::strerror_r(errno_value, buf, sizeof buf);
}

// str(OSError(errno, text)) == "[Errno N] text".
std::string os_error_message(int errno_value, std::string text) {
  text.insert(0, "[Errno " + std::to_string(errno_value) + "] ");
  return text;
}

}  // namespace

BaseException::BaseException(std::string message) : message_(std::move(message)) {}

const char* BaseException::what() const noexcept { return message_.c_str(); }

// type_name() of every class: its own name.
// NOLINTBEGIN(bugprone-macro-parentheses): Name is a class name
#define PYPROC_TYPE_NAME(Name) \
  const char* Name::type_name() const noexcept { return #Name; }
// NOLINTEND(bugprone-macro-parentheses)
PYPROC_TYPE_NAME(BaseException)
PYPROC_TYPE_NAME(Exception)
PYPROC_TYPE_NAME(AssertionError)
PYPROC_TYPE_NAME(ValueError)
PYPROC_TYPE_NAME(TypeError)
PYPROC_TYPE_NAME(RuntimeError)
PYPROC_TYPE_NAME(KeyboardInterrupt)
PYPROC_TYPE_NAME(AttributeError)
PYPROC_TYPE_NAME(ArithmeticError)
PYPROC_TYPE_NAME(OverflowError)
PYPROC_TYPE_NAME(LookupError)
PYPROC_TYPE_NAME(KeyError)
PYPROC_TYPE_NAME(IndexError)
PYPROC_TYPE_NAME(UnsupportedOperation)
PYPROC_TYPE_NAME(UnicodeError)
PYPROC_TYPE_NAME(UnicodeDecodeError)
PYPROC_TYPE_NAME(UnicodeEncodeError)
PYPROC_TYPE_NAME(OSError)
PYPROC_TYPE_NAME(ProcessLookupError)
PYPROC_TYPE_NAME(ChildProcessError)
PYPROC_TYPE_NAME(InterruptedError)
PYPROC_TYPE_NAME(BlockingIOError)
PYPROC_TYPE_NAME(ConnectionError)
PYPROC_TYPE_NAME(BrokenPipeError)
PYPROC_TYPE_NAME(ConnectionAbortedError)
PYPROC_TYPE_NAME(ConnectionRefusedError)
PYPROC_TYPE_NAME(ConnectionResetError)
PYPROC_TYPE_NAME(FileExistsError)
PYPROC_TYPE_NAME(FileNotFoundError)
PYPROC_TYPE_NAME(IsADirectoryError)
PYPROC_TYPE_NAME(NotADirectoryError)
PYPROC_TYPE_NAME(PermissionError)
PYPROC_TYPE_NAME(TimeoutError)
PYPROC_TYPE_NAME(SystemExit)
#undef PYPROC_TYPE_NAME

OSError::OSError(int errno_value) : OSError(errno_value, strerror_text(errno_value)) {}

OSError::OSError(int errno_value, std::string strerror)
    : Exception(os_error_message(errno_value, strerror)),
      errno_(errno_value),
      strerror_(std::move(strerror)) {}

OSError::OSError(int errno_value, std::string strerror, std::string filename)
    : OSError(errno_value, std::move(strerror), filename, detail::py_str_repr(filename)) {}

OSError::OSError(int errno_value, std::string strerror, std::optional<std::string> filename,
                 const std::string& filename_repr)
    : Exception(os_error_message(errno_value, strerror + ": " + filename_repr)),
      errno_(errno_value),
      strerror_(std::move(strerror)),
      filename_(std::move(filename)),
      filename_repr_(filename_repr) {}

// Objects/exceptions.c (_PyExc_InitState) maps these errno values to
// subclasses when an OSError is constructed; everything else stays OSError.
namespace {

// The class for errno_value, constructed with (errno_value, args...).
template <typename... Args>
[[noreturn]] void raise_os_error_with(int errno_value, const Args&... args) {
  switch (errno_value) {
    case EAGAIN:  // == EWOULDBLOCK on Linux
    case EALREADY:
    case EINPROGRESS:
      throw BlockingIOError(errno_value, args...);
    case ECHILD:
      throw ChildProcessError(errno_value, args...);
    case EPIPE:
    case ESHUTDOWN:
      throw BrokenPipeError(errno_value, args...);
    case ECONNABORTED:
      throw ConnectionAbortedError(errno_value, args...);
    case ECONNREFUSED:
      throw ConnectionRefusedError(errno_value, args...);
    case ECONNRESET:
      throw ConnectionResetError(errno_value, args...);
    case EEXIST:
      throw FileExistsError(errno_value, args...);
    case ENOENT:
      throw FileNotFoundError(errno_value, args...);
    case EISDIR:
      throw IsADirectoryError(errno_value, args...);
    case ENOTDIR:
      throw NotADirectoryError(errno_value, args...);
    case EINTR:
      throw InterruptedError(errno_value, args...);
    case EACCES:
    case EPERM:
      throw PermissionError(errno_value, args...);
    case ESRCH:
      throw ProcessLookupError(errno_value, args...);
    case ETIMEDOUT:
      throw TimeoutError(errno_value, args...);
    default:
      throw OSError(errno_value, args...);
  }
}

}  // namespace

void raise_os_error(int errno_value) {
  raise_os_error_with(errno_value, strerror_text(errno_value));
}

// OSError.__str__ with a filename: "[Errno N] strerror: repr(filename)".
void raise_os_error(int errno_value, const std::string& filename_repr) {
  raise_os_error_with(errno_value, strerror_text(errno_value), std::optional<std::string>(),
                      filename_repr);
}

void raise_os_error_for_file(int errno_value, const std::string& filename) {
  raise_os_error_with(errno_value, strerror_text(errno_value), filename);
}

// str(SystemExit(code)) is str(code); str(SystemExit()) is "".
SystemExit::SystemExit(std::int64_t code) : BaseException(std::to_string(code)), code_(code) {}

SystemExit::SystemExit(std::string code) : BaseException(code), code_(std::move(code)) {}

}  // namespace pyproc

// What pyproc::subprocess raises and how it prints: a program that cannot
// be started (the child's errno, naming the program or the cwd), arguments
// refused before anything starts, and str()/repr() of the exceptions,
// Command, Timeout and CompletedProcess. Expected text is CPython 3.11's.
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "pyproc/subprocess.hpp"
#include "support/subprocess_test_support.hpp"

namespace pyproc {
namespace {

namespace sp = subprocess;
using testing::helper;
using testing::helper_dir;
using testing::raised;

class SubprocessErrors : public testing::SubprocessTest {};

TEST_F(SubprocessErrors, AProgramThatCannotStartRaisesTheChildsErrnoNamingIt) {
  EXPECT_EQ(raised([] { sp::call({"nonexistent-pyproc-program"}); }),
            "FileNotFoundError: [Errno 2] No such file or directory: "
            "'nonexistent-pyproc-program'");
  EXPECT_EQ(raised([] { sp::call({"./nonexistent"}); }),
            "FileNotFoundError: [Errno 2] No such file or directory: './nonexistent'");
  EXPECT_EQ(raised([] { sp::call({"/etc"}); }),
            "PermissionError: [Errno 13] Permission denied: '/etc'");
  EXPECT_EQ(raised([] { sp::call({"/etc/passwd/x"}); }),
            "NotADirectoryError: [Errno 20] Not a directory: '/etc/passwd/x'");
  // '' is searched in PATH: every "dir/" is a directory.
  EXPECT_EQ(raised([] { sp::call({""}); }), "PermissionError: [Errno 13] Permission denied: ''");
}

TEST_F(SubprocessErrors, AFileWithoutExecutePermissionIsAPermissionError) {
  char path[] = "/tmp/pyproc-noexec-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ::chmod(path, 0644);
  const std::string file = path;
  EXPECT_EQ(raised([&] { sp::check_output({file}); }),
            "PermissionError: [Errno 13] Permission denied: '" + file + "'");
  ::unlink(path);
}

TEST_F(SubprocessErrors, TheExceptionCarriesErrnoStrerrorAndFilename) {
  try {
    sp::run({"it's-missing"});
    FAIL() << "no exception";
  } catch (const FileNotFoundError& e) {
    EXPECT_EQ(e.errno_value(), 2);
    EXPECT_EQ(e.strerror(), "No such file or directory");
    EXPECT_EQ(e.filename(), "it's-missing");
    EXPECT_EQ(std::string(e.what()), "[Errno 2] No such file or directory: \"it's-missing\"");
  }
  try {
    sp::run({helper_dir()});
    FAIL() << "no exception";
  } catch (const PermissionError& e) {
    EXPECT_EQ(e.errno_value(), 13);
    EXPECT_EQ(e.strerror(), "Permission denied");
    EXPECT_EQ(e.filename(), helper_dir());
  }
}

// SP-054: with executable=, that is the program run and named; args[0] is
// only its argv[0]. With shell it replaces /bin/sh.
TEST_F(SubprocessErrors, ExecutableIsWhatRunsAndWhatErrorsName) {
  EXPECT_EQ(raised([] {
              sp::run({"x", "print", "never"}, {.executable = "/nonexistent/prog"});
            }),
            "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent/prog'");
  EXPECT_EQ(sp::check_output({"argv0-given", "argv0"}, {.executable = testing::kHelper}),
            "argv0 argv0-given\n");
  EXPECT_EQ(sp::check_output("echo \"$0\"", {.shell = true, .executable = "/bin/sh"}), "/bin/sh\n");
  EXPECT_EQ(raised([] { sp::call("true", {.shell = true, .executable = "/nonexistent/sh"}); }),
            "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent/sh'");
}

// Before its exec the child could not enter cwd: CPython names the cwd.
TEST_F(SubprocessErrors, ACwdTheChildCannotEnterIsNamed) {
  EXPECT_EQ(raised([] { sp::call(helper(), {.cwd = "/nonexistent"}); }),
            "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent'");
  EXPECT_EQ(raised([] { sp::call({"nonexistent-program"}, {.cwd = "/nonexistent"}); }),
            "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent'");
  EXPECT_EQ(raised([] { sp::call(helper(), {.cwd = "/etc/passwd"}); }),
            "NotADirectoryError: [Errno 20] Not a directory: '/etc/passwd'");
}

TEST_F(SubprocessErrors, NulBytesAndEnvNamesWithEqualsAreRefusedFirst) {
  const std::string nul("a\0b", 3);
  EXPECT_EQ(raised([&] { sp::call({nul}); }), "ValueError: embedded null byte");
  EXPECT_EQ(raised([&] { sp::call({"x", nul}); }), "ValueError: embedded null byte");
  EXPECT_EQ(raised([&] { sp::call(helper(), {.cwd = nul}); }), "ValueError: embedded null byte");
  EXPECT_EQ(raised([&] {
              sp::call(helper(), {.env = sp::Env{{"A", nul}}});
            }),
            "ValueError: embedded null byte");
  EXPECT_EQ(raised([&] {
              sp::call(helper(), {.env = sp::Env{{nul, "x"}}});
            }),
            "ValueError: embedded null byte");
  // '=' anywhere in a name, the first character included; checked before
  // the NUL bytes of the arguments.
  EXPECT_EQ(raised([&] {
              sp::call({nul}, {.env = sp::Env{{"A=B", "1"}}});
            }),
            "ValueError: illegal environment variable name");
  EXPECT_EQ(raised([] {
              sp::call(helper(), {.env = sp::Env{{"=A", "1"}}});
            }),
            "ValueError: illegal environment variable name");
}

// ---- str() and repr() ----

TEST(SubprocessText, CalledProcessErrorMessages) {
  EXPECT_STREQ(sp::CalledProcessError(3, "exit 3").what(),
               "Command 'exit 3' returned non-zero exit status 3.");
  EXPECT_STREQ(sp::CalledProcessError(0, {"a"}).what(),
               "Command '['a']' returned non-zero exit status 0.");
  EXPECT_STREQ(sp::CalledProcessError(-9, "x").what(),
               "Command 'x' died with <Signals.SIGKILL: 9>.");
  // The enum's own name for 29 is SIGIO (SIGPOLL is its alias); 6 and 17 are
  // SIGABRT and SIGCHLD.
  EXPECT_STREQ(sp::CalledProcessError(-29, "x").what(),
               "Command 'x' died with <Signals.SIGIO: 29>.");
  EXPECT_STREQ(sp::CalledProcessError(-6, "x").what(),
               "Command 'x' died with <Signals.SIGABRT: 6>.");
  EXPECT_STREQ(sp::CalledProcessError(-17, "x").what(),
               "Command 'x' died with <Signals.SIGCHLD: 17>.");
  EXPECT_STREQ(sp::CalledProcessError(-34, "x").what(),
               "Command 'x' died with <Signals.SIGRTMIN: 34>.");
  EXPECT_STREQ(sp::CalledProcessError(-64, "x").what(),
               "Command 'x' died with <Signals.SIGRTMAX: 64>.");
  EXPECT_STREQ(sp::CalledProcessError(-35, "x").what(), "Command 'x' died with unknown signal 35.");
  EXPECT_STREQ(sp::CalledProcessError(-200, "x").what(),
               "Command 'x' died with unknown signal 200.");
  EXPECT_STREQ(
      sp::CalledProcessError(1, {"a b", "it's", "\xc3\xa9", std::string(1, '\0'), "a\\b"}).what(),
      "Command '['a b', \"it's\", '\xc3\xa9', '\\x00', 'a\\\\b']' returned non-zero exit "
      "status 1.");
  const sp::CalledProcessError e(2, "c", "out", "err");
  EXPECT_STREQ(e.type_name(), "CalledProcessError");
  EXPECT_EQ(e.output(), "out");
  EXPECT_EQ(e.stdout(), "out");
  EXPECT_EQ(e.stderr(), "err");
  // Caught as what it derives from, as in Python.
  EXPECT_EQ(raised([] { throw sp::CalledProcessError(1, "x"); }),
            "CalledProcessError: Command 'x' returned non-zero exit status 1.");
  try {
    throw sp::TimeoutExpired("x", 1);
  } catch (const sp::SubprocessError& error) {
    EXPECT_STREQ(error.type_name(), "TimeoutExpired");
  }
  EXPECT_STREQ(sp::SubprocessError("m").type_name(), "SubprocessError");
}

TEST(SubprocessText, TimeoutExpiredPrintsTheTimeoutAsPythonPrintsTheNumber) {
  const auto message = [](sp::Timeout t) {
    return std::string(sp::TimeoutExpired({"a"}, t).what());
  };
  EXPECT_EQ(message(0.5), "Command '['a']' timed out after 0.5 seconds");
  EXPECT_EQ(message(1), "Command '['a']' timed out after 1 seconds");
  EXPECT_EQ(message(1.0), "Command '['a']' timed out after 1.0 seconds");
  EXPECT_EQ(message(1e-7), "Command '['a']' timed out after 1e-07 seconds");
  EXPECT_EQ(message(100.0), "Command '['a']' timed out after 100.0 seconds");
  EXPECT_EQ(message(1e20), "Command '['a']' timed out after 1e+20 seconds");
  EXPECT_EQ(message(12345.678), "Command '['a']' timed out after 12345.678 seconds");
  EXPECT_EQ(message(std::chrono::milliseconds(1500)),
            "Command '['a']' timed out after 1.5 seconds");
  const sp::TimeoutExpired e("x", 2, "o", "e");
  EXPECT_EQ(e.timeout().seconds(), 2.0);
  EXPECT_EQ(e.output(), "o");
  EXPECT_EQ(e.stdout(), "o");
  EXPECT_EQ(e.stderr(), "e");
}

TEST(SubprocessText, CommandStrAndRepr) {
  const sp::Command text = "exit 3";
  EXPECT_FALSE(text.is_list());
  EXPECT_EQ(text.string(), "exit 3");
  EXPECT_EQ(text.str(), "exit 3");
  EXPECT_EQ(text.repr(), "'exit 3'");
  const sp::Command list = {"a", "it's"};
  EXPECT_TRUE(list.is_list());
  EXPECT_EQ(list.list(), (std::vector<std::string>{"a", "it's"}));
  EXPECT_EQ(list.str(), "['a', \"it's\"]");
  EXPECT_EQ(list.repr(), "['a', \"it's\"]");
  EXPECT_EQ(sp::Command(std::string("p")), sp::Command("p"));
  EXPECT_NE(sp::Command("p"), sp::Command(std::vector<std::string>{"p"}));
}

TEST(SubprocessText, CompletedProcessRepr) {
  EXPECT_EQ((sp::CompletedProcess{"exit 3", 3, "", std::nullopt}).repr(),
            "CompletedProcess(args='exit 3', returncode=3, stdout=b'')");
  EXPECT_EQ((sp::CompletedProcess{{"a"}, 0, "x\n", "\xff", false}).repr(),
            "CompletedProcess(args=['a'], returncode=0, stdout=b'x\\n', stderr=b'\\xff')");
  EXPECT_EQ((sp::CompletedProcess{{"a"}, -9, "\xc3\xa9\n", "", true}).repr(),
            "CompletedProcess(args=['a'], returncode=-9, stdout='\xc3\xa9\\n', stderr='')");
}

}  // namespace
}  // namespace pyproc

// os.exec*(): what the new program receives (run in a forked child, since
// exec replaces the process), and every error, with CPython 3.11's types and
// messages. Error tests run in this process with programs that cannot start
// (a missing or unexecutable path), so an exec that wrongly went ahead would
// raise something else rather than replace the test.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "os/argv.hpp"
#include "pyproc/os.hpp"
#include "pyproc/py_repr.hpp"
#include "support/os_test_support.hpp"

namespace pyproc {
namespace {

using testing::kHelper;
using testing::raised;
using testing::run_in_child;

std::string dir_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

class OsExec : public testing::OsTest {};

// A scratch directory with files that exec refuses: one not executable, one
// executable with no valid format, a directory.
class ExecFiles : public testing::OsTest {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pyproc-os-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    write_file(dir_ + "/noexec", 0644);
    write_file(dir_ + "/badformat", 0755);
    ASSERT_EQ(::mkdir((dir_ + "/subdir").c_str(), 0755), 0);
  }
  void TearDown() override {
    ::unlink((dir_ + "/noexec").c_str());
    ::unlink((dir_ + "/badformat").c_str());
    ::rmdir((dir_ + "/subdir").c_str());
    ::rmdir(dir_.c_str());
    OsTest::TearDown();
  }
  static void write_file(const std::string& path, mode_t mode) {
    std::ofstream(path) << "not a program\n";
    ::chmod(path.c_str(), mode);
  }
  std::string dir_;
};

// ---- what the program receives ----

TEST_F(OsExec, ExecvRunsTheProgramWithArgv0AsItsName) {
  const auto run = run_in_child([] { os::execv(kHelper, {"my name", "argv0", "args"}); });
  EXPECT_EQ(run.output, "argv0 my name\nargs 2\narg argv0\narg args\n");
  EXPECT_TRUE(os::wifexited(run.status));
  EXPECT_EQ(os::wexitstatus(run.status), 0);
}

TEST_F(OsExec, ExeclTakesTheArgumentsInline) {
  const auto run = run_in_child([] { os::execl(kHelper, "x", "exit", "7"); });
  EXPECT_EQ(run.output, "");
  EXPECT_EQ(os::wexitstatus(run.status), 7);
}

TEST_F(OsExec, TheNewProgramInheritsTheEnvironment) {
  const auto run = run_in_child([] {
    ::setenv("PYPROC_OS_TEST", "inherited", 1);
    os::execv(kHelper, {"x", "env", "PYPROC_OS_TEST"});
  });
  EXPECT_EQ(run.output, "env PYPROC_OS_TEST=inherited\n");
}

TEST_F(OsExec, ExecveReplacesTheEnvironment) {
  const auto run = run_in_child([] {
    ::setenv("PYPROC_OS_TEST", "inherited", 1);
    os::execve(kHelper, {"x", "env", "A", "env", "PYPROC_OS_TEST", "env", "=B"},
               {{"A", "1"}, {"=B", "leading = is allowed"}});
  });
  EXPECT_EQ(run.output, "env A=1\nenv PYPROC_OS_TEST missing\nenv =B=leading = is allowed\n");
}

TEST_F(OsExec, ExecleTakesTheEnvironmentLast) {
  const auto run = run_in_child([] {
    os::execle(kHelper, "x", "env", "A", "exit", "3", os::Env{{"A", "2"}});
  });
  EXPECT_EQ(run.output, "env A=2\n");
  EXPECT_EQ(os::wexitstatus(run.status), 3);
}

TEST_F(OsExec, ExecveWithAnFdRunsThatFile) {
  const auto run = run_in_child([] {
    const int fd = ::open(kHelper.c_str(), O_RDONLY | O_CLOEXEC);
    os::execve(fd, {"by fd", "argv0", "env", "A"}, {{"A", "fd"}});
  });
  EXPECT_EQ(run.output, "argv0 by fd\nenv A=fd\n");
}

TEST_F(OsExec, ExecvpSearchesThePathOfThisProcess) {
  const auto run = run_in_child([] {
    ::setenv("PATH", ("/nonexistent:" + dir_of(kHelper)).c_str(), 1);
    os::execvp("pyproc-helper", {"found", "argv0"});
  });
  EXPECT_EQ(run.output, "argv0 found\n");
}

TEST_F(OsExec, ExeclpSearchesToo) {
  const auto run = run_in_child([] {
    ::setenv("PATH", dir_of(kHelper).c_str(), 1);
    os::execlp("pyproc-helper", "found", "print", "lp");
  });
  EXPECT_EQ(run.output, "lp\n");
}

TEST_F(OsExec, ExecvpeSearchesThePathOfTheNewEnvironment) {
  const auto run = run_in_child([] {
    ::setenv("PATH", "/nonexistent", 1);
    os::execvpe("pyproc-helper", {"x", "env", "PATH"}, {{"PATH", dir_of(kHelper)}});
  });
  EXPECT_EQ(run.output, "env PATH=" + dir_of(kHelper) + "\n");
}

TEST_F(OsExec, ExeclpeSearchesThePathOfTheNewEnvironment) {
  const auto run = run_in_child([] {
    ::unsetenv("PATH");
    os::execlpe("pyproc-helper", "x", "print", "lpe", os::Env{{"PATH", dir_of(kHelper)}});
  });
  EXPECT_EQ(run.output, "lpe\n");
}

TEST_F(OsExec, APathWithASlashIsNotSearched) {
  const auto run = run_in_child([] {
    ::setenv("PATH", "/nonexistent", 1);
    os::execvp(kHelper, {"x", "print", "direct"});
  });
  EXPECT_EQ(run.output, "direct\n");
}

TEST_F(ExecFiles, ASearchGoesPastAProgramThatCannotRun) {
  const std::string helper_name = kHelper.substr(kHelper.rfind('/') + 1);
  write_file(dir_ + "/" + helper_name, 0644);  // found first, not executable
  const auto run = run_in_child([&] {
    os::execvpe(helper_name, {"x", "print", "second"}, {{"PATH", dir_ + ":" + dir_of(kHelper)}});
  });
  ::unlink((dir_ + "/" + helper_name).c_str());
  EXPECT_EQ(run.output, "second\n");
}

TEST_F(OsExec, NothingBufferedIsFlushed) {
  const auto run = run_in_child([] {
    std::fputs("lost", stdout);  // a pipe: fully buffered, and exec discards the buffer
    os::execl(kHelper, "x", "print", "new program");
  });
  EXPECT_EQ(run.output, "new program\n");
}

// ---- errors ----

TEST_F(OsExec, MissingProgram) {
  EXPECT_EQ(raised([] { os::execv("/nonexistent/x", {"x"}); }),
            "FileNotFoundError: [Errno 2] No such file or directory");
  EXPECT_EQ(raised([] { os::execl("", "x"); }),
            "FileNotFoundError: [Errno 2] No such file or directory");
  // execve names the path: repr() of the str given.
  EXPECT_EQ(raised([] { os::execve("/nonexistent", {"x"}, {}); }),
            "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent'");
  EXPECT_EQ(raised([] { os::execle("/it's", "x", os::Env{}); }),
            "FileNotFoundError: [Errno 2] No such file or directory: \"/it's\"");
}

TEST_F(ExecFiles, ProgramsThatCannotRun) {
  EXPECT_EQ(raised([&] { os::execv(dir_ + "/noexec", {"x"}); }),
            "PermissionError: [Errno 13] Permission denied");
  EXPECT_EQ(raised([&] { os::execv(dir_ + "/badformat", {"x"}); }),
            "OSError: [Errno 8] Exec format error");
  EXPECT_EQ(raised([&] { os::execv(dir_ + "/subdir", {"x"}); }),
            "PermissionError: [Errno 13] Permission denied");
  EXPECT_EQ(raised([&] { os::execv(dir_ + "/noexec/x", {"x"}); }),
            "NotADirectoryError: [Errno 20] Not a directory");
  EXPECT_EQ(raised([&] { os::execve(dir_ + "/badformat", {"x"}, {}); }),
            "OSError: [Errno 8] Exec format error: '" + dir_ + "/badformat'");
}

TEST_F(OsExec, ArgumentChecksOfExecv) {
  EXPECT_EQ(raised([] { os::execv("/nonexistent", {}); }),
            "ValueError: execv() arg 2 must not be empty");
  EXPECT_EQ(raised([] { os::execl("/nonexistent"); }),
            "ValueError: execv() arg 2 must not be empty");
  EXPECT_EQ(raised([] { os::execv("/nonexistent", {""}); }),
            "ValueError: execv() arg 2 first element cannot be empty");
  EXPECT_EQ(raised([] { os::execvp("nonexistent-program", {""}); }),
            "ValueError: execv() arg 2 first element cannot be empty");
  EXPECT_EQ(raised([] { os::execlp("nonexistent-program"); }),
            "ValueError: execv() arg 2 must not be empty");
}

TEST_F(OsExec, ArgumentChecksOfExecve) {
  EXPECT_EQ(raised([] { os::execve("/nonexistent", {}, {}); }),
            "ValueError: execve: argv must not be empty");
  EXPECT_EQ(raised([] { os::execle("/nonexistent", os::Env{}); }),
            "ValueError: execve: argv must not be empty");
  EXPECT_EQ(raised([] { os::execve("/nonexistent", {""}, {}); }),
            "ValueError: execve: argv first element cannot be empty");
  EXPECT_EQ(raised([] {
              os::execvpe("nonexistent-program", {""}, {{"PATH", "/bin"}});
            }),
            "ValueError: execve: argv first element cannot be empty");
  EXPECT_EQ(raised([] { os::execve(-1, {}, {}); }), "ValueError: execve: argv must not be empty");
}

TEST_F(OsExec, EmbeddedNulBytes) {
  using namespace std::string_literals;
  const std::string nul = "a\0b"s;
  const char* expected = "ValueError: embedded null byte";
  EXPECT_EQ(raised([&] { os::execv("/nonexistent" + nul, {"x"}); }), expected);
  EXPECT_EQ(raised([&] { os::execv("/nonexistent", {nul}); }), expected);
  EXPECT_EQ(raised([&] { os::execv("/nonexistent", {"x", nul}); }), expected);
  // A NUL anywhere in argv is found before an empty argv[0].
  EXPECT_EQ(raised([&] { os::execv("/nonexistent", {"", nul}); }), expected);
  EXPECT_EQ(raised([&] { os::execve("/nonexistent", {"x"}, {{nul, "v"}}); }), expected);
  EXPECT_EQ(raised([&] { os::execve("/nonexistent", {"x"}, {{"K", nul}}); }), expected);
  EXPECT_EQ(raised([&] { os::execvp(nul, {"x"}); }), expected);
  // The path is checked before argv.
  EXPECT_EQ(raised([&] { os::execve("/nonexistent" + nul, {}, {}); }), expected);
}

TEST_F(OsExec, IllegalEnvironmentNames) {
  const char* expected = "ValueError: illegal environment variable name";
  EXPECT_EQ(raised([] { os::execve("/nonexistent", {"x"}, {{"A=B", "1"}}); }), expected);
  EXPECT_EQ(raised([] { os::execve("/nonexistent", {"x"}, {{"", "1"}}); }), expected);
  EXPECT_EQ(raised([] {
              os::execvpe("nonexistent", {"x"}, {{"PATH", "/bin"}, {"A=", ""}});
            }),
            expected);
  // argv is checked before env.
  EXPECT_EQ(raised([] {
              os::execve("/nonexistent", {}, {{"A=B", "1"}});
            }),
            "ValueError: execve: argv must not be empty");
}

TEST_F(OsExec, ExecveOfABadFdNamesTheFd) {
  EXPECT_EQ(raised([] { os::execve(99, {"x"}, {}); }),
            "OSError: [Errno 9] Bad file descriptor: 99");
}

TEST_F(ExecFiles, ExecveOfAnFdThatCannotRun) {
  const int fd = ::open((dir_ + "/noexec").c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_EQ(raised([&] { os::execve(fd, {"x"}, {}); }),
            "PermissionError: [Errno 13] Permission denied: " + std::to_string(fd));
  ::close(fd);
}

TEST_F(OsExec, SearchFailureOfExecvpNamesNoFile) {
  const testing::ScopedEnv path("PATH", "/nonexistent:/nonexistent2");
  EXPECT_EQ(raised([] { os::execvp("no-such-program", {"x"}); }),
            "FileNotFoundError: [Errno 2] No such file or directory");
}

TEST_F(ExecFiles, SearchFailureOfExecvpeNamesTheCandidateAsBytes) {
  // All missing: the last candidate's error.
  EXPECT_EQ(raised([] {
              os::execvpe("no-such", {"x"}, {{"PATH", "/nonexistent:/none2"}});
            }),
            "FileNotFoundError: [Errno 2] No such file or directory: b'/none2/no-such'");
  // The first error that is not ENOENT/ENOTDIR wins over later ones.
  EXPECT_EQ(raised([&] {
              os::execvpe("noexec", {"x"}, {{"PATH", "/none:" + dir_ + ":/none"}});
            }),
            "PermissionError: [Errno 13] Permission denied: b'" + dir_ + "/noexec'");
  EXPECT_EQ(raised([&] {
              os::execlpe("badformat", "x", os::Env{{"PATH", dir_ + "/:/bin"}});
            }),
            "OSError: [Errno 8] Exec format error: b'" + dir_ + "/badformat'");
  EXPECT_EQ(raised([&] {
              os::execvpe("subdir", {"x"}, {{"PATH", dir_}});
            }),
            "PermissionError: [Errno 13] Permission denied: b'" + dir_ + "/subdir'");
  // A name with a '/' is not searched: the str itself is named.
  EXPECT_EQ(raised([] {
              os::execvpe("./no-such", {"x"}, {{"PATH", "/bin"}});
            }),
            "FileNotFoundError: [Errno 2] No such file or directory: './no-such'");
}

TEST_F(OsExec, SearchWithoutPathUsesDefpath) {
  EXPECT_EQ(raised([] { os::execvpe("no-such-program", {"x"}, {}); }),
            "FileNotFoundError: [Errno 2] No such file or directory: b'/usr/bin/no-such-program'");
  // An empty PATH is one empty entry: the name relative to the cwd.
  EXPECT_EQ(raised([] {
              os::execvpe("no-such-program", {"x"}, {{"PATH", ""}});
            }),
            "FileNotFoundError: [Errno 2] No such file or directory: b'no-such-program'");
}

TEST_F(OsExec, SearchForAnEmptyNameTriesTheDirectories) {
  // os.path.join(dir, "") is "dir/": a directory, EACCES.
  EXPECT_EQ(raised([] {
              os::execvpe("", {"x"}, {{"PATH", "/"}});
            }),
            "PermissionError: [Errno 13] Permission denied: b'/'");
}

TEST(OsExecDetail, BytesReprQuotesAsPython) {
  using pyproc::detail::py_bytes_repr;
  using namespace std::string_literals;
  EXPECT_EQ(py_bytes_repr("/usr/bin/x"), "b'/usr/bin/x'");
  EXPECT_EQ(py_bytes_repr("a'b"), "b\"a'b\"");
  EXPECT_EQ(py_bytes_repr("a\"b"), "b'a\"b'");
  EXPECT_EQ(py_bytes_repr("a'\"b"), "b'a\\'\"b'");
  EXPECT_EQ(py_bytes_repr("\0\t\n\r\\\x7f\xff"s), "b'\\x00\\t\\n\\r\\\\\\x7f\\xff'");
}

}  // namespace
}  // namespace pyproc

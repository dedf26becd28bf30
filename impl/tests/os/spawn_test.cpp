// os.spawn*() and os.system(): results as CPython 3.11 gives them, what the
// new program receives (argv, environment, fds, signal state), and that
// nothing leaks. Programs write to this process's fd 1, captured in a memfd.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "pyproc/os.hpp"
#include "support/os_test_support.hpp"

namespace pyproc {
namespace {

using testing::kHelper;
using testing::raised;
using testing::ScopedEnv;
using testing::StdoutCapture;

class OsSpawn : public testing::OsTest {};

std::string dir_of(const std::string& path) { return path.substr(0, path.rfind('/')); }
const std::string kHelperName = kHelper.substr(kHelper.rfind('/') + 1);

// The status waitpid() reports for `pid` (which must be our child).
int status_of(pid_t pid) {
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  return status;
}

// What the helper's `fds` action prints for the fds of this process that a
// launched program inherits (those without FD_CLOEXEC, above 2).
std::string inheritable_fds_listing() {
  std::set<int> fds;
  for (int fd = 3; fd < 1024; ++fd) {
    const int flags = ::fcntl(fd, F_GETFD);
    if (flags >= 0 && (flags & FD_CLOEXEC) == 0) fds.insert(fd);
  }
  std::string kinds;
  for (const int fd : fds) {
    struct stat st {};
    ::fstat(fd, &st);
    char link[64];
    const ssize_t n =
        ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), link, sizeof link - 1);
    const std::string target(link, n > 0 ? static_cast<std::size_t>(n) : 0);
    std::string kind = "other";
    if (S_ISFIFO(st.st_mode) && target.rfind("pipe:", 0) == 0) kind = "pipe";
    if (S_ISREG(st.st_mode)) kind = "file";
    if (S_ISCHR(st.st_mode)) kind = ::isatty(fd) ? "tty" : "chr";
    if (S_ISSOCK(st.st_mode)) kind = "socket";
    kinds += "fd " + std::to_string(fd) + " " + kind + "\n";
  }
  return "fds " + std::to_string(fds.size()) + "\n" + kinds;
}

// ---- results ----

TEST_F(OsSpawn, PWaitReturnsTheExitCode) {
  EXPECT_EQ(os::spawnv(os::p_wait, kHelper, {"x", "exit", "3"}), 3);
  EXPECT_EQ(os::spawnv(os::p_wait, kHelper, {"x"}), 0);
  EXPECT_EQ(os::spawnl(os::p_wait, kHelper, "x", "exit", "255"), 255);
}

TEST_F(OsSpawn, PWaitReturnsMinusTheSignal) {
  EXPECT_EQ(os::spawnv(os::p_wait, kHelper, {"x", "kill", "TERM"}), -SIGTERM);
  EXPECT_EQ(os::spawnv(os::p_wait, kHelper, {"x", "kill", "KILL"}), -SIGKILL);
}

TEST_F(OsSpawn, AnyModeButPNowaitWaits) {
  EXPECT_EQ(os::spawnv(7, kHelper, {"x", "exit", "1"}), 1);
  EXPECT_EQ(os::spawnv(-1, kHelper, {"x", "exit", "2"}), 2);
}

TEST_F(OsSpawn, PNowaitReturnsThePidToWaitFor) {
  StdoutCapture out;
  const pid_t pid = os::spawnv(os::p_nowait, kHelper, {"x", "pid", "exit", "5"});
  const int status = status_of(pid);
  EXPECT_EQ(out.text(), "pid " + std::to_string(pid) + "\n");
  EXPECT_EQ(os::waitstatus_to_exitcode(status), 5);
  const pid_t pid2 = os::spawnl(os::p_nowaito, kHelper, "x");
  EXPECT_EQ(os::waitstatus_to_exitcode(status_of(pid2)), 0);
}

TEST_F(OsSpawn, PWaitWaitsThroughAStop) {
  // The child says it is about to stop; another thread then sees the stop
  // (without reaping the child) and continues it.
  testing::Pipe ready;
  const int ready_w = ::dup(ready.write_fd());  // inheritable, for the helper
  std::thread continuer([&] {
    testing::await_token(ready);
    siginfo_t info{};
    ASSERT_EQ(::waitid(P_ALL, 0, &info, os::wstopped | os::wnowait), 0);
    ::kill(info.si_pid, SIGCONT);
  });
  EXPECT_EQ(os::spawnv(os::p_wait, kHelper,
                       {"x", "notify", std::to_string(ready_w), "stop", "exit", "4"}),
            4);
  continuer.join();
  ::close(ready_w);
}

// ---- what the program receives ----

TEST_F(OsSpawn, Argv0IsTheProgramsName) {
  StdoutCapture out;
  os::spawnv(os::p_wait, kHelper, {"my name", "argv0", "args"});
  EXPECT_EQ(out.text(), "argv0 my name\nargs 2\narg argv0\narg args\n");
}

TEST_F(OsSpawn, TheEnvironmentIsInheritedOrReplaced) {
  const ScopedEnv var("PYPROC_OS_TEST", "inherited");
  StdoutCapture out;
  os::spawnv(os::p_wait, kHelper, {"x", "env", "PYPROC_OS_TEST"});
  os::spawnve(os::p_wait, kHelper, {"x", "env", "PYPROC_OS_TEST", "env", "A"}, {{"A", "1"}});
  os::spawnle(os::p_wait, kHelper, "x", "env", "A", os::Env{{"A", "2"}});
  EXPECT_EQ(out.text(),
            "env PYPROC_OS_TEST=inherited\n"
            "env PYPROC_OS_TEST missing\nenv A=1\n"
            "env A=2\n");
}

TEST_F(OsSpawn, PVariantsSearchPath) {
  const ScopedEnv path("PATH", ("/nonexistent:" + dir_of(kHelper)).c_str());
  EXPECT_EQ(os::spawnvp(os::p_wait, kHelperName, {"x", "exit", "6"}), 6);
  EXPECT_EQ(os::spawnlp(os::p_wait, kHelperName, "x", "exit", "7"), 7);
}

TEST_F(OsSpawn, PeVariantsSearchThePathOfTheNewEnvironment) {
  const ScopedEnv path("PATH", "/nonexistent");
  EXPECT_EQ(os::spawnvpe(os::p_wait, kHelperName, {"x", "exit", "8"}, {{"PATH", dir_of(kHelper)}}),
            8);
  EXPECT_EQ(
      os::spawnlpe(os::p_wait, kHelperName, "x", "exit", "9", os::Env{{"PATH", dir_of(kHelper)}}),
      9);
  EXPECT_EQ(os::spawnvpe(os::p_wait, kHelperName, {"x"}, {}), 127);  // defpath
}

TEST_F(OsSpawn, OnlyInheritableFdsReachTheProgram) {
  int cloexec_pipe[2];
  ASSERT_EQ(::pipe2(cloexec_pipe, O_CLOEXEC), 0);
  const std::string before = inheritable_fds_listing();
  StdoutCapture out;
  os::spawnv(os::p_wait, kHelper, {"x", "fds"});
  // An fd made inheritable on purpose (os.set_inheritable) does reach it.
  const int inheritable = ::dup(cloexec_pipe[0]);
  const std::string with_one = inheritable_fds_listing();
  os::spawnv(os::p_wait, kHelper, {"x", "fds"});
  ::close(inheritable);
  EXPECT_EQ(out.text(), before + with_one);
  EXPECT_NE(before, with_one);
  ::close(cloexec_pipe[0]);
  ::close(cloexec_pipe[1]);
}

TEST_F(OsSpawn, ConcurrentLaunchesPassNoFdsBetweenThreads) {
  // While threads spawn programs that list their fds, another thread keeps
  // creating popen pipes (O_CLOEXEC from birth): no program may see one.
  const std::string listing = inheritable_fds_listing();
  const std::string expected_count = listing.substr(0, listing.find('\n'));  // "fds N"
  StdoutCapture out;
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([] {
      for (int i = 0; i < 10; ++i) os::spawnv(os::p_wait, kHelper, {"x", "fds"});
    });
  }
  threads.emplace_back([] {
    for (int i = 0; i < 10; ++i) os::popen("exit 0").close();
  });
  for (std::thread& thread : threads) thread.join();
  std::istringstream lines(out.text());
  int listings = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("fds ", 0) != 0) continue;
    ++listings;
    EXPECT_EQ(line, expected_count);
  }
  EXPECT_EQ(listings, 30);
}

TEST_F(OsSpawn, CaughtSignalsAreResetIgnoredOnesStayIgnoredTheMaskIsInherited) {
  struct sigaction caught {};
  caught.sa_handler = [](int) {};
  struct sigaction ignored {};
  ignored.sa_handler = SIG_IGN;
  struct sigaction old_usr1 {};
  struct sigaction old_hup {};
  ::sigaction(SIGUSR1, &caught, &old_usr1);
  ::sigaction(SIGHUP, &ignored, &old_hup);
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  ::pthread_sigmask(SIG_BLOCK, &usr2, nullptr);
  StdoutCapture out;
  os::spawnv(os::p_wait, kHelper, {"x", "signals"});
  const int killed = os::spawnv(os::p_wait, kHelper, {"x", "kill", "USR1"});
  ::pthread_sigmask(SIG_UNBLOCK, &usr2, nullptr);
  ::sigaction(SIGUSR1, &old_usr1, nullptr);
  ::sigaction(SIGHUP, &old_hup, nullptr);
  EXPECT_EQ(out.text(), "blocked SIGUSR2\nignored SIGHUP\n");
  EXPECT_EQ(killed, -SIGUSR1);
}

// ---- exec failures: the child exits 127, as CPython's forked child does ----

class SpawnFiles : public testing::OsTest {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pyproc-spawn-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ofstream(dir_ + "/script") << "exit 0\n";  // no #!: ENOEXEC, no sh fallback
    ::chmod((dir_ + "/script").c_str(), 0755);
    std::ofstream(dir_ + "/" + kHelperName) << "not executable\n";
  }
  void TearDown() override {
    ::unlink((dir_ + "/script").c_str());
    ::unlink((dir_ + "/" + kHelperName).c_str());
    ::rmdir(dir_.c_str());
    OsTest::TearDown();
  }
  std::string dir_;
};

TEST_F(SpawnFiles, ProgramsThatCannotRunGive127) {
  EXPECT_EQ(os::spawnv(os::p_wait, "/nonexistent", {"x"}), 127);
  EXPECT_EQ(os::spawnv(os::p_wait, dir_, {"x"}), 127);
  EXPECT_EQ(os::spawnv(os::p_wait, dir_ + "/" + kHelperName, {"x"}), 127);
  EXPECT_EQ(os::spawnv(os::p_wait, dir_ + "/script", {"x"}), 127);
  EXPECT_EQ(os::spawnvpe(os::p_wait, "script", {"x"}, {{"PATH", dir_}}), 127);
  EXPECT_EQ(os::spawnvpe(os::p_wait, "no-such-program", {"x"}, {{"PATH", dir_}}), 127);
}

TEST_F(SpawnFiles, ASearchGoesPastAProgramThatCannotRun) {
  EXPECT_EQ(os::spawnvpe(os::p_wait, kHelperName, {"x", "exit", "11"},
                         {{"PATH", dir_ + ":" + dir_of(kHelper)}}),
            11);
}

TEST_F(OsSpawn, PNowaitOfAMissingProgramGivesAPidThatExited127) {
  const pid_t pid = os::spawnv(os::p_nowait, "/nonexistent", {"x"});
  ASSERT_GT(pid, 0);
  EXPECT_EQ(status_of(pid), 127 << 8);
}

TEST_F(OsSpawn, WhatExecWouldRejectGives127) {
  using namespace std::string_literals;
  EXPECT_EQ(os::spawnve(os::p_wait, kHelper, {"x"}, {{"A=B", "1"}}), 127);
  EXPECT_EQ(os::spawnve(os::p_wait, kHelper, {"x"}, {{"", "1"}}), 127);
  EXPECT_EQ(os::spawnve(os::p_wait, kHelper, {"x"}, {{"A", "\0"s}}), 127);
  EXPECT_EQ(os::spawnv(os::p_wait, kHelper, {"x", "a\0b"s}), 127);
  EXPECT_EQ(os::spawnv(os::p_wait, kHelper + "\0"s, {"x"}), 127);
  EXPECT_EQ(os::spawnvp(os::p_wait, "a\0b"s, {"x"}), 127);
  const pid_t pid = os::spawnve(os::p_nowait, kHelper, {"x"}, {{"A=B", "1"}});
  EXPECT_EQ(status_of(pid), 127 << 8);
}

TEST_F(OsSpawn, EmptyArgvIsRaisedInTheParent) {
  const char* expected = "ValueError: argv first element cannot be empty";
  EXPECT_EQ(raised([] { os::spawnv(os::p_wait, kHelper, {}); }), expected);
  EXPECT_EQ(raised([] { os::spawnv(os::p_nowait, kHelper, {""}); }), expected);
  EXPECT_EQ(raised([] { os::spawnl(os::p_wait, kHelper); }), expected);
  EXPECT_EQ(raised([] { os::spawnve(os::p_wait, kHelper, {""}, {}); }), expected);
  EXPECT_EQ(raised([] { os::spawnvp(os::p_wait, kHelperName, {}); }), expected);
  EXPECT_EQ(raised([] { os::spawnlpe(os::p_wait, kHelperName, "", os::Env{}); }), expected);
}

TEST_F(OsSpawn, PWaitRaisesWhenTheChildCannotBeWaitedFor) {
  // SIGCHLD ignored: the kernel reaps the child, waitpid() fails with ECHILD.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old {};
  ::sigaction(SIGCHLD, &ignore, &old);
  const std::string error = raised([] { os::spawnv(os::p_wait, kHelper, {"x"}); });
  ::sigaction(SIGCHLD, &old, nullptr);
  EXPECT_EQ(error, "ChildProcessError: [Errno 10] No child processes");
}

// ---- system ----

class OsSystem : public testing::OsTest {};

TEST_F(OsSystem, ReturnsTheWaitStatus) {
  EXPECT_EQ(os::system("exit 3"), 768);
  EXPECT_EQ(os::system(""), 0);
  EXPECT_EQ(os::system("exec " + kHelper + " kill KILL"), SIGKILL);
  EXPECT_EQ(os::system(kHelper + " kill KILL"), (128 + SIGKILL) << 8);  // sh reports it
  EXPECT_EQ(os::system("no-such-command-pyproc 2>/dev/null"), 127 << 8);
  EXPECT_EQ(os::system("-x 2>/dev/null"), 2 << 8);  // sh sees "-x" as an option: no "--"
}

TEST_F(OsSystem, TheCommandWritesToThisProcesssStdout) {
  StdoutCapture out;
  EXPECT_EQ(os::system(kHelper + " print one; " + kHelper + " args -- \"$0\""), 0);
  EXPECT_EQ(out.text(), "one\nargs 3\narg args\narg --\narg sh\n");
}

// glibc's system(): SIGINT ignored while the command runs, its disposition
// back after the last of several concurrent calls, and the shell started
// with SIGINT at its default (so the command can be interrupted).
TEST_F(OsSystem, SigintIsIgnoredWhileAnyCallRunsAndRestoredAfterTheLast) {
  struct sigaction before {};
  ASSERT_EQ(::sigaction(SIGINT, nullptr, &before), 0);
  testing::Pipe ready;
  testing::Pipe go;
  const std::string await_go = kHelper + " notify " + std::to_string(ready.write_fd()) + " await " +
                               std::to_string(go.read_fd()) + " signals";
  ::fcntl(ready.write_fd(), F_SETFD, 0);
  ::fcntl(go.read_fd(), F_SETFD, 0);
  std::vector<std::thread> threads;
  std::vector<int> statuses(3, -1);
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] { statuses[i] = os::system(await_go + " > /dev/null"); });
  }
  EXPECT_EQ(ready.read(3), "nnn");  // every shell has started
  struct sigaction during {};
  ASSERT_EQ(::sigaction(SIGINT, nullptr, &during), 0);
  EXPECT_EQ(during.sa_handler, SIG_IGN);
  ::kill(::getpid(), SIGINT);  // discarded: ignored
  go.write(std::string(3, 'g'));
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(statuses, std::vector<int>(3, 0));
  struct sigaction after {};
  ASSERT_EQ(::sigaction(SIGINT, nullptr, &after), 0);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
}

TEST_F(OsSystem, NulIsAValueError) {
  using namespace std::string_literals;
  EXPECT_EQ(raised([] { os::system("a\0b"s); }), "ValueError: embedded null byte");
}

TEST_F(OsSystem, AFailedWaitIsMinusOneNotAnException) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction old {};
  ::sigaction(SIGCHLD, &ignore, &old);
  const int status = os::system("exit 3");
  ::sigaction(SIGCHLD, &old, nullptr);
  EXPECT_EQ(status, -1);
}

TEST_F(OsSystem, TheShellInheritsOnlyInheritableFds) {
  int cloexec_pipe[2];
  ASSERT_EQ(::pipe2(cloexec_pipe, O_CLOEXEC), 0);
  const std::string expected = inheritable_fds_listing();
  StdoutCapture out;
  os::system("exec " + kHelper + " fds");
  EXPECT_EQ(out.text(), expected);
  ::close(cloexec_pipe[0]);
  ::close(cloexec_pipe[1]);
}

}  // namespace
}  // namespace pyproc

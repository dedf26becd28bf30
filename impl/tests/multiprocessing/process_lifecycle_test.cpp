// Real children: exit codes, signals, join with timeouts, repr, sentinels,
// close, and what start() refuses. Synchronised with pipes, never with sleeps.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "pyproc/multiprocessing/connection.hpp"
#include "pyproc/multiprocessing/process.hpp"
#include "support/raised.hpp"
#include "support/test_support.hpp"

namespace pyproc {
namespace {

using testing::kMyPid;

using testing::raised;

using testing::await_token;
using testing::give_token;
using testing::Pipe;

// Starts a child running `body` with its stderr sent into a pipe; joins it and
// returns {exitcode, stderr}.
std::pair<std::optional<int>, std::string> run_capturing_stderr(const Process::Target& body,
                                                                ProcessOptions options = {}) {
  Pipe err;
  Process p(
      [&] {
        testing::redirect_stderr(err);
        body();
      },
      std::move(options));
  p.start();
  err.close_write();
  std::string text = err.read_all();
  p.join();
  return {p.exitcode(), text};
}

TEST(ProcessExit, ReturningGivesZero) {
  Process p([] {});
  p.start();
  EXPECT_TRUE(p.pid().has_value());
  EXPECT_NE(*p.pid(), ::getpid());
  EXPECT_EQ(p.ident(), p.pid());
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_FALSE(p.is_alive());
  EXPECT_EQ(p.repr(), "<Process name='" + p.name() + "' pid=" + std::to_string(*p.pid()) +
                          " parent=" + kMyPid + " stopped exitcode=0>");
  // The sentinel stays readable after the child has been reaped.
  EXPECT_EQ(connection::wait({p.sentinel()}, 0.0), std::vector<int>{p.sentinel()});
  // A second join returns at once.
  p.join();
  p.join(0.0);
}

struct ExitCase {
  const char* title;
  Process::Target body;
  int exitcode;
  const char* stderr_text;  // "{name}" is replaced by the process name
};

// gtest prints a parameter with this instead of dumping its bytes.
void PrintTo(const ExitCase& c, std::ostream* os) { *os << c.title; }

class ProcessExitCodeTest : public ::testing::TestWithParam<ExitCase> {};

TEST_P(ProcessExitCodeTest, MatchesBootstrap) {
  const ExitCase& c = GetParam();
  Pipe err;
  Process p([&] {
    testing::redirect_stderr(err);
    c.body();
  });
  p.start();
  err.close_write();
  const std::string text = err.read_all();
  p.join();
  EXPECT_EQ(p.exitcode(), c.exitcode);
  std::string expected = c.stderr_text;
  if (auto at = expected.find("{name}"); at != std::string::npos) {
    expected.replace(at, 6, p.name());
  }
  EXPECT_EQ(text, expected);
}

INSTANTIATE_TEST_SUITE_P(
    Bootstrap, ProcessExitCodeTest,
    ::testing::Values(
        ExitCase{"SystemExitNone", [] { throw SystemExit(); }, 0, ""},
        ExitCase{"SystemExitInt", [] { throw SystemExit(std::int64_t{3}); }, 3, ""},
        ExitCase{"SystemExitZero", [] { throw SystemExit(std::int64_t{0}); }, 0, ""},
        ExitCase{"SystemExit256", [] { throw SystemExit(std::int64_t{256}); }, 0, ""},
        ExitCase{"SystemExitMinusOne", [] { throw SystemExit(std::int64_t{-1}); }, 255, ""},
        ExitCase{"SystemExitString", [] { throw SystemExit("bye"); }, 1, "bye\n"},
        ExitCase{"RuntimeError", [] { throw RuntimeError("boom"); }, 1,
                 "Process {name}:\nTraceback (most recent call last):\n  File \"<c++>\", in "
                 "run\nRuntimeError: boom\n"},
        ExitCase{"EmptyMessage", [] { throw ValueError(""); }, 1,
                 "Process {name}:\nTraceback (most recent call last):\n  File \"<c++>\", in "
                 "run\nValueError\n"},
        ExitCase{"KeyboardInterrupt", [] { throw KeyboardInterrupt(""); }, 1,
                 "Process {name}:\nTraceback (most recent call last):\n  File \"<c++>\", in "
                 "run\nKeyboardInterrupt\n"},
        ExitCase{"OSErrorSubclass", [] { raise_os_error(ESRCH); }, 1,
                 "Process {name}:\nTraceback (most recent call last):\n  File \"<c++>\", in "
                 "run\nProcessLookupError: [Errno 3] No such process\n"},
        ExitCase{"StdException", [] { throw std::runtime_error("boom"); }, 1,
                 "Process {name}:\nTraceback (most recent call last):\n  File \"<c++>\", in "
                 "run\nstd::runtime_error: boom\n"},
        ExitCase{"NonException", [] { throw 42; }, 1,
                 "Process {name}:\nTraceback (most recent call last):\n  File \"<c++>\", in "
                 "run\nint\n"},
        ExitCase{"OsExit", [] { ::_exit(7); }, 7, ""},
        ExitCase{"Abort",
                 [] {
                   const rlimit no_core{0, 0};  // no core file from the test
                   ::setrlimit(RLIMIT_CORE, &no_core);
                   ::abort();
                 },
                 -SIGABRT, ""}),
    [](const auto& info) { return std::string(info.param.title); });

// A subclass that overrides run(), as `class Echo(Process): def run(self): ...`.
class Echo : public Process {
 public:
  Echo() : Process("Echo", {}, {}) {}
  void run() override { throw SystemExit(std::int64_t{7}); }
};

TEST(ProcessExit, SubclassRunRunsInTheChild) {
  Echo e;
  e.start();
  e.join();
  EXPECT_EQ(e.exitcode(), 7);
  EXPECT_EQ(e.repr(), "<Echo name='" + e.name() + "' pid=" + std::to_string(*e.pid()) +
                          " parent=" + kMyPid + " stopped exitcode=7>");
  EXPECT_EQ(e.name().rfind("Echo-", 0), 0u);
}

TEST(ProcessExit, TracebackUsesTheNameAtTheTimeOfTheError) {
  auto [code, text] = run_capturing_stderr([] {
    current_process().set_name("renamed");
    throw TypeError("bad");
  });
  EXPECT_EQ(code, 1);
  EXPECT_EQ(text,
            "Process renamed:\nTraceback (most recent call last):\n  File \"<c++>\", in "
            "run\nTypeError: bad\n");
}

TEST(ProcessExit, ChildStdioIsFlushedBeforeExit) {
  Pipe out;
  Process p([&] {
    ::dup2(out.write_fd(), STDOUT_FILENO);
    std::fputs("from child", stdout);  // buffered: only the exit flush writes it
  });
  p.start();
  out.close_write();
  EXPECT_EQ(out.read_all(), "from child");
  p.join();
}

class Blocked {
 public:
  // A child that reports "up" and then waits for a token.
  explicit Blocked(ProcessOptions options = {})
      : process(
            [this] {
              ready.write("up");
              await_token(go);
            },
            std::move(options)) {}
  void start() {
    process.start();
    EXPECT_EQ(ready.read(2), "up");
  }
  void release() { give_token(go); }

  Pipe ready;
  Pipe go;
  Process process;
};

TEST(ProcessSignals, TerminateAndKill) {
  Blocked a;
  Blocked b({.daemon = true});
  a.start();
  b.start();
  a.process.terminate();
  b.process.kill();
  a.process.join();
  b.process.join();
  EXPECT_EQ(a.process.exitcode(), -SIGTERM);
  EXPECT_EQ(b.process.exitcode(), -SIGKILL);
  EXPECT_EQ(a.process.repr(), "<Process name='" + a.process.name() +
                                  "' pid=" + std::to_string(*a.process.pid()) +
                                  " parent=" + kMyPid + " stopped exitcode=-SIGTERM>");
  EXPECT_EQ(b.process.repr(), "<Process name='" + b.process.name() +
                                  "' pid=" + std::to_string(*b.process.pid()) +
                                  " parent=" + kMyPid + " stopped exitcode=-SIGKILL daemon>");
  // Once the exit code is known no signal is sent (the pid may be reused).
  EXPECT_NO_THROW(a.process.terminate());
  EXPECT_NO_THROW(a.process.kill());
}

TEST(ProcessSignals, SignalToAnEndedButUnreapedChildIsHarmless) {
  Process p([] {});
  p.start();
  // Wait on the sentinel only: the child is a zombie, its exit code unknown.
  ASSERT_FALSE(connection::wait({p.sentinel()}, 30.0).empty());
  EXPECT_NO_THROW(p.terminate());
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

TEST(ProcessJoin, TimeoutReturnsWhileTheChildRuns) {
  Blocked b;
  b.start();
  EXPECT_TRUE(b.process.is_alive());
  b.process.join(0.0);
  b.process.join(-1.0);
  b.process.join(0.01);
  EXPECT_EQ(b.process.exitcode(), std::nullopt);
  EXPECT_TRUE(b.process.is_alive());
  EXPECT_EQ(b.process.repr(), "<Process name='" + b.process.name() +
                                  "' pid=" + std::to_string(*b.process.pid()) +
                                  " parent=" + kMyPid + " started>");
  EXPECT_EQ(connection::wait({b.process.sentinel()}, 0.0), std::vector<int>{});
  b.release();
  b.process.join(30.0);
  EXPECT_EQ(b.process.exitcode(), 0);
  EXPECT_FALSE(b.process.is_alive());
}

TEST(ProcessJoin, TimeoutConversionErrorsAreCPythons) {
  Blocked b;
  b.start();
  EXPECT_EQ(raised([&] { b.process.join(std::numeric_limits<double>::infinity()); }),
            "OverflowError: cannot convert float infinity to integer");
  EXPECT_EQ(raised([&] { b.process.join(std::numeric_limits<double>::quiet_NaN()); }),
            "ValueError: cannot convert float NaN to integer");
  EXPECT_EQ(raised([&] { b.process.join(1e300); }),
            "OverflowError: timestamp too large to convert to C _PyTime_t");
  EXPECT_EQ(raised([&] { b.process.join(3e6); }), "OverflowError: timeout is too large");
  b.release();
  b.process.join();
  // With the exit code known, join() does not look at the timeout at all.
  EXPECT_NO_THROW(b.process.join(std::numeric_limits<double>::infinity()));
}

TEST(ProcessStart, RefusesASecondStartAndDaemonChanges) {
  Process p([] {});
  p.start();
  EXPECT_EQ(raised([&] { p.start(); }), "AssertionError: cannot start a process twice");
  EXPECT_EQ(raised([&] { p.set_daemon(true); }), "AssertionError: process has already started");
  // start() dropped the target, as CPython deletes self._target.
  EXPECT_EQ(raised([&] { p.run(); }),
            "AttributeError: 'Process' object has no attribute '_target'");
  p.join();
}

TEST(ProcessClose, RefusedWhileRunningThenReleasesEverything) {
  const int fds_before = testing::count_open_fds();
  {
    Blocked b;
    b.start();
    EXPECT_EQ(raised([&] { b.process.close(); }),
              "ValueError: Cannot close a process while it is still running. You should first "
              "call join() or terminate().");
    b.release();
    b.process.join();
    const std::string pid = std::to_string(*b.process.pid());
    b.process.close();
    EXPECT_EQ(b.process.repr(),
              "<Process name='" + b.process.name() + "' parent=" + kMyPid + " closed>");
    EXPECT_EQ(raised([&] { (void)b.process.sentinel(); }), "ValueError: process object is closed");
    EXPECT_NO_THROW(b.process.close());
  }
  EXPECT_EQ(testing::count_open_fds(), fds_before);
}

TEST(ProcessFds, StartJoinLeavesNoFdBehind) {
  const int fds_before = testing::count_open_fds();
  {
    Process p([] {});
    p.start();
    EXPECT_EQ(testing::count_open_fds(), fds_before + 2);  // pidfd + parent's pipe end
    p.join();
  }
  EXPECT_EQ(testing::count_open_fds(), fds_before);
}

TEST(ProcessFds, SentinelIsACloexecPidfd) {
  Process p([] {});
  p.start();
  const int flags = ::fcntl(p.sentinel(), F_GETFD);
  EXPECT_TRUE(flags & FD_CLOEXEC);
  p.join();
}

TEST(ActiveChildren, ListsLiveChildrenAndForgetsEndedOnes) {
  Blocked a({.name = "a"});
  Blocked b({.name = "b"});
  a.start();
  b.start();
  auto names = [] {
    std::vector<std::string> out;
    for (Process* p : active_children()) out.push_back(p->name());
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(names(), (std::vector<std::string>{"a", "b"}));
  a.release();
  a.process.join();
  EXPECT_EQ(names(), (std::vector<std::string>{"b"}));
  b.release();
  // Not joined: active_children() itself finds that b has ended.
  ASSERT_FALSE(connection::wait({b.process.sentinel()}, 30.0).empty());
  EXPECT_EQ(names(), (std::vector<std::string>{}));
  EXPECT_EQ(b.process.exitcode(), 0);
}

TEST(ProcessDestructor, RunningChildIsReapedByTheRegistry) {
  pid_t pid;
  int watcher;  // our own pidfd on the child, to know when it has ended
  {
    Blocked b;
    b.start();
    pid = *b.process.pid();
    watcher = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    ASSERT_GE(watcher, 0);
    b.release();
  }  // destroyed while (possibly) still running
  ASSERT_FALSE(connection::wait({watcher}, 30.0).empty());
  (void)active_children();  // the registry reaps here
  int status;
  errno = 0;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  ::close(watcher);
}

TEST(ProcessDestructor, AChildDoesNotTakeOverItsParentsOrphans) {
  Pipe ready;
  Pipe go;
  auto orphan = std::make_unique<Process>(
      [&] {
        ready.write("up");
        await_token(go);
      },
      ProcessOptions{.daemon = true});
  orphan->start();
  ASSERT_EQ(ready.read(2), "up");
  const pid_t pid = *orphan->pid();
  const int watcher = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  ASSERT_GE(watcher, 0);
  orphan.reset();  // kept by the registry now, as a daemon
  // The exit function of a child must leave its parent's orphans alone:
  // terminating this daemon would kill the child's sibling.
  Process child([] {});
  child.start();
  child.join();
  EXPECT_EQ(child.exitcode(), 0);
  EXPECT_TRUE(connection::wait({watcher}, 0.0).empty());
  give_token(go);
  ASSERT_FALSE(connection::wait({watcher}, 30.0).empty());
  (void)active_children();
  int status;
  EXPECT_EQ(::waitpid(pid, &status, WNOHANG), -1);
  ::close(watcher);
}

}  // namespace
}  // namespace pyproc

// Hazards of real process code that issue 11 found: signals sent by pid after
// an outside reap, the child's fd 0, SIGPIPE from the library's own writes,
// std::exit() in a child, and the registry sweeping every live child on
// every start(). Synchronised with pipes and pidfds, never with sleeps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "pyproc/multiprocessing/connection.hpp"
#include "pyproc/multiprocessing/process.hpp"
#include "support/test_support.hpp"

namespace pyproc {
namespace {

using ::testing::_;
using testing::await_token;
using testing::give_token;
using ::testing::Invoke;
using testing::MockSyscalls;
using ::testing::NiceMock;
using testing::Pipe;

// Blocks until `pid` (a child of ours) has ended, without reaping it.
void await_end_without_reaping(pid_t pid) {
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
}

TEST(Signals, TerminateGoesThroughThePidfdNeverThePid) {
  Pipe go;
  Process p([&] { await_token(go); });
  p.start();
  {
    NiceMock<MockSyscalls> sys;
    EXPECT_CALL(sys, kill(_, _)).Times(0);
    EXPECT_CALL(sys, pidfd_send_signal(p.sentinel(), SIGTERM)).Times(1);
    p.terminate();
    p.join();
  }
  EXPECT_EQ(p.exitcode(), -SIGTERM);
}

// Someone else reaped the child (a waitpid(-1), SIGCHLD ignored): its pid is
// free for reuse, so kill(pid) could reach an unrelated process. Through the
// pidfd the signal goes nowhere (ESRCH), which CPython's users also see as
// success; the exit code stays unknown, as in CPython.
TEST(Signals, AfterAnOutsideReapNothingIsSignalled) {
  Process p([] {});
  p.start();
  const pid_t pid = *p.pid();
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);  // behind pyproc's back
  {
    NiceMock<MockSyscalls> sys;
    EXPECT_CALL(sys, kill(_, _)).Times(0);
    EXPECT_CALL(sys, pidfd_send_signal(p.sentinel(), _)).Times(2);
    EXPECT_NO_THROW(p.terminate());
    EXPECT_NO_THROW(p.kill());
  }
  EXPECT_EQ(p.exitcode(), std::nullopt);
  p.join();  // ECHILD: returns, as CPython's join does
  EXPECT_EQ(p.exitcode(), std::nullopt);
}

// util._close_stdin(): the language's stdin reads /dev/null, fd 0 is left as
// it was (CPython's sys.stdin does not own it), and a program the child execs
// inherits fd 0.
TEST(ChildStdin, ReadsDevNullWhileFdZeroIsLeftAlone) {
  // fd 0 of the parent: a pipe holding a byte, which the child's stdin must
  // not see and a program it execs must.
  Pipe in;
  in.write("p");
  in.close_write();  // the program's `read` then ends at end of file
  const int saved = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
  ASSERT_GE(saved, 0);
  ASSERT_EQ(::dup2(in.read_fd(), STDIN_FILENO), STDIN_FILENO);
  Pipe out;
  Process p([&] {
    const auto link = [](int fd) {
      char target[64] = {};
      const std::string path = "/proc/self/fd/" + std::to_string(fd);
      const ssize_t n = ::readlink(path.c_str(), target, sizeof target - 1);
      return std::string(target, n > 0 ? static_cast<std::size_t>(n) : 0);
    };
    out.write(link(::fileno(stdin)) + "\n");
    out.write((::fcntl(::fileno(stdin), F_GETFD) & FD_CLOEXEC) ? "cloexec\n" : "inheritable\n");
    out.write(std::fgetc(stdin) == EOF ? "stdio eof\n" : "stdio read\n");
    out.write(std::cin.get() == std::char_traits<char>::eof() ? "cin eof\n" : "cin read\n");
    out.write(link(STDIN_FILENO).rfind("pipe:", 0) == 0 ? "fd 0 pipe\n" : "fd 0 other\n");
    // A program the child execs reads the byte on fd 0.
    ::execl("/bin/sh", "sh", "-c", "read c; [ \"$c\" = p ] && exit 0 || exit 9",
            static_cast<char*>(nullptr));
    throw SystemExit(std::int64_t{127});
  });
  p.start();
  ASSERT_EQ(::dup2(saved, STDIN_FILENO), STDIN_FILENO);
  ::close(saved);
  out.close_write();
  EXPECT_EQ(out.read_line(), "/dev/null");
  EXPECT_EQ(out.read_line(), "cloexec");
  EXPECT_EQ(out.read_line(), "stdio eof");
  EXPECT_EQ(out.read_line(), "cin eof");
  EXPECT_EQ(out.read_line(), "fd 0 pipe");
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

// The child dies between fork() and the parent's go byte. The parent must
// not die of SIGPIPE (SIGPIPE is at its default here, as in most C++
// programs); start() succeeds, as in CPython, and the exit code says why.
TEST(Sigpipe, ChildKilledBeforeTheGoByteDoesNotKillTheParent) {
  Process p([] {});
  {
    NiceMock<MockSyscalls> sys;
    EXPECT_CALL(sys, fork()).WillOnce(Invoke([] {
      const pid_t pid = detail::real_syscalls().fork();
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        await_end_without_reaping(pid);
      }
      return pid;
    }));
    p.start();
  }
  p.join();
  EXPECT_EQ(p.exitcode(), -SIGKILL);
}

// The child's traceback goes to a stderr whose reader has gone: the write
// fails quietly and the exit code is the exception's 1, not -SIGPIPE.
TEST(Sigpipe, ChildsTracebackToAClosedPipeKeepsExitCodeOne) {
  Pipe err;
  Pipe go;
  Process p([&] {
    err.close_read();
    testing::redirect_stderr(err);
    await_token(go);  // until the parent has closed its read end too
    throw RuntimeError("boom");
  });
  p.start();
  err.close_read();
  give_token(go);
  p.join();
  EXPECT_EQ(p.exitcode(), 1);
}

// exit_process() in a child runs none of the atexit handlers it inherited,
// but does join the child's own children; std::exit() would run them.
TEST(ExitProcess, EndsAChildWithoutItsParentsAtexitHandlers) {
  static Pipe* report = nullptr;  // for the atexit handler, which takes no argument
  Pipe out;
  report = &out;
  (void)std::fflush(nullptr);
  const pid_t helper = ::fork();  // a fresh "main program"
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    (void)std::atexit([] { report->write("atexit in " + std::to_string(::getpid()) + "\n"); });
    Process p([] {
      Process grandchild([] { report->write("grandchild\n"); });
      grandchild.start();
      exit_process(261);  // joins the grandchild; status 261 & 0xFF
    });
    p.start();
    p.join();
    report->write("child exitcode " + std::to_string(p.exitcode().value_or(-1000)) + "\n");
    exit_process(3);  // the main program: std::exit(3), its atexit handler runs
  }
  out.close_write();
  const std::string text = out.read_all();
  int status = 0;
  ASSERT_EQ(::waitpid(helper, &status, 0), helper);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3) << "wait status " << status;
  EXPECT_EQ(text, "grandchild\nchild exitcode 5\natexit in " + std::to_string(helper) + "\n");
}

// start() and active_children() with many live children do not ask each of
// them: no reap at all while none has ended.
TEST(Registry, NoSweepWhileNoChildHasEnded) {
  constexpr int kLive = 20;
  Pipe go;
  std::vector<std::unique_ptr<Process>> live;
  for (int i = 0; i < kLive; ++i) {
    live.push_back(std::make_unique<Process>([&] { await_token(go); }));
    live.back()->start();
  }
  {
    NiceMock<MockSyscalls> sys;
    EXPECT_CALL(sys, waitpid(_, _, _)).Times(0);
    EXPECT_CALL(sys, waitid(_, _, _, _)).Times(::testing::AnyNumber());  // looks (WNOWAIT)
    EXPECT_CALL(sys, waitid(P_PIDFD, _, _, _)).Times(0);                 // no reap
    EXPECT_CALL(sys, poll(_, _, _)).Times(0);
    live.push_back(std::make_unique<Process>([&] { await_token(go); }));
    live.back()->start();
    EXPECT_EQ(active_children().size(), kLive + 1U);
  }
  go.write(std::string(live.size(), 't'));  // one token each
  for (auto& p : live) p->join();
  for (auto& p : live) EXPECT_EQ(p->exitcode(), 0);
  EXPECT_TRUE(active_children().empty());
}

// A child reaped by exitcode() leaves no zombie to be seen, yet the next
// active_children() must forget it.
TEST(Registry, ChildReapedByExitcodeIsForgotten) {
  Process p([] {});
  p.start();
  ASSERT_FALSE(connection::wait({p.sentinel()}, 30.0).empty());
  EXPECT_EQ(p.exitcode(), 0);
  EXPECT_TRUE(active_children().empty());
}

// One ended child among live ones is found and reaped by the next sweep.
TEST(Registry, EndedChildAmongLiveOnesIsReaped) {
  Pipe go;
  Process live1([&] { await_token(go); });
  Process ended([] {});
  Process live2([&] { await_token(go); });
  live1.start();
  ended.start();
  live2.start();
  await_end_without_reaping(*ended.pid());
  EXPECT_EQ(active_children(), (std::vector<Process*>{&live1, &live2}));
  int status = 0;
  errno = 0;
  EXPECT_EQ(::waitpid(*ended.pid(), &status, WNOHANG), -1);  // reaped by the sweep
  EXPECT_EQ(errno, ECHILD);
  go.write("tt");
  live1.join();
  live2.join();
}

}  // namespace
}  // namespace pyproc

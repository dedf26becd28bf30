// Process where pidfd_open is refused (issue 20): ENOSYS (a kernel before
// 5.3, gVisor) and EPERM (a seccomp profile), injected at the seam. start()
// then falls back to CPython's pipe sentinel, and every wait and signal goes
// by pid as in CPython: start, join with and without a timeout, is_alive,
// exitcode, terminate, kill, the sentinel with connection::wait, close, the
// registry's sweeps and orphans, one object from three threads. No signal
// goes through a pidfd, and no fd or child is left behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "multiprocessing/child_state.hpp"
#include "multiprocessing/three_threads.hpp"
#include "pyproc/multiprocessing/connection.hpp"
#include "pyproc/multiprocessing/process.hpp"
#include "support/raised.hpp"
#include "support/test_support.hpp"

namespace pyproc {
namespace {

using ::testing::_;
using ::testing::Invoke;
using testing::Pipe;
using testing::raised;
using ::testing::SetErrnoAndReturn;

detail::Syscalls& real() { return detail::real_syscalls(); }

class ProcessNoPidfd : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    // (No child of a test here has a pidfd to wait on. The registry may
    // still hold pidfds of other tests' children that outlived their
    // objects, so waitid(P_PIDFD) is not counted.)
    EXPECT_CALL(sys_, pidfd_open).WillRepeatedly(SetErrnoAndReturn(GetParam(), -1));
    EXPECT_CALL(sys_, pidfd_send_signal).Times(0);
  }
  void TearDown() override {
    EXPECT_TRUE(active_children().empty());
    EXPECT_EQ(testing::count_open_fds(), fds_before_) << "an fd leaked";
    errno = 0;
    EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "a child was left behind";
    EXPECT_EQ(errno, ECHILD);
  }

  int fds_before_ = testing::count_open_fds();
  ::testing::NiceMock<testing::MockSyscalls> sys_;
};

TEST_P(ProcessNoPidfd, StartsAndJoinsWithAPipeForSentinel) {
  Process p([] { throw SystemExit(std::int64_t{3}); });
  p.start();
  struct stat st {};
  ASSERT_EQ(::fstat(p.sentinel(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  p.join();
  EXPECT_EQ(p.exitcode(), 3);
  EXPECT_FALSE(p.is_alive());
  EXPECT_EQ(connection::wait({p.sentinel()}, 0.0), std::vector<int>{p.sentinel()});
  p.join(0.0);
  p.close();
}

TEST_P(ProcessNoPidfd, TimedJoinsWaitOnTheSentinel) {
  Pipe go;
  Process p([&] { testing::await_token_or_end(go); });
  p.start();
  p.join(0.0);
  p.join(0.05);
  EXPECT_EQ(p.exitcode(), std::nullopt);
  EXPECT_TRUE(p.is_alive());
  EXPECT_TRUE(connection::wait({p.sentinel()}, 0.0).empty());
  EXPECT_EQ(p.repr().find(" started>") != std::string::npos, true) << p.repr();
  go.close_write();
  p.join(30.0);
  EXPECT_EQ(p.exitcode(), 0);
}

TEST_P(ProcessNoPidfd, ABlockingJoinReapsByPidRetryingEintr) {
  Process p([] { throw SystemExit(std::int64_t{7}); });
  p.start();
  const pid_t pid = *p.pid();
  EXPECT_CALL(sys_, waitpid(pid, _, 0))
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillRepeatedly(Invoke(&real(), &detail::Syscalls::waitpid));
  p.join();
  EXPECT_EQ(p.exitcode(), 7);
}

TEST_P(ProcessNoPidfd, TerminateAndKillSignalThePid) {
  Pipe go;
  Process terminated([&] { testing::await_token_or_end(go); });
  Process killed([&] { testing::await_token_or_end(go); });
  terminated.start();
  killed.start();
  EXPECT_CALL(sys_, kill(*terminated.pid(), SIGTERM)).Times(1);  // the real call (the default)
  EXPECT_CALL(sys_, kill(*killed.pid(), SIGKILL)).Times(1);
  terminated.terminate();
  killed.kill();
  terminated.join();
  killed.join();
  EXPECT_EQ(terminated.exitcode(), -SIGTERM);
  EXPECT_EQ(killed.exitcode(), -SIGKILL);
  // Once the exit code is known nothing is sent: the pid may be another's.
  EXPECT_CALL(sys_, kill).Times(0);
  terminated.kill();
  killed.terminate();
}

// popen_fork's _send_signal: a child already gone (ESRCH) is no error; any
// other failure is raised while the child still runs.
TEST_P(ProcessNoPidfd, SignalErrorsAreCPythons) {
  Pipe go;
  Process p([&] { testing::await_token_or_end(go); });
  p.start();
  EXPECT_CALL(sys_, kill(*p.pid(), SIGTERM)).WillOnce(SetErrnoAndReturn(ESRCH, -1));
  EXPECT_NO_THROW(p.terminate());
  EXPECT_CALL(sys_, kill(*p.pid(), SIGKILL)).WillOnce(SetErrnoAndReturn(EPERM, -1));
  EXPECT_EQ(raised([&] { p.kill(); }), "PermissionError: [Errno 1] Operation not permitted");
  EXPECT_TRUE(p.is_alive());
  go.close_write();
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

// CPython's sentinel (case 0144): a child that ended while its own child
// lives is joined (waitpid), but its sentinel stays not ready until that
// grandchild, which holds the write end too, has ended.
TEST_P(ProcessNoPidfd, TheSentinelWaitsForWhatTheChildForked) {
  Pipe ready;
  Pipe go;
  Process p([&] {
    Process grandchild([&] {
      ready.write("g");
      testing::await_token_or_end(go);
    });
    grandchild.start();
    (void)ready.read(1);
    ::_exit(4);  // os._exit(4): without joining the grandchild
  });
  p.start();
  p.join();
  EXPECT_EQ(p.exitcode(), 4);
  EXPECT_TRUE(connection::wait({p.sentinel()}, 0.0).empty());
  p.join(0.05);  // returns at once: the exit code is known
  go.close_write();
  EXPECT_EQ(connection::wait({p.sentinel()}, 30.0), std::vector<int>{p.sentinel()});
}

// The sweep of start() and active_children() asks each child by pid
// (waitpid(WNOHANG)), as CPython's _cleanup() does, once some child ended.
TEST_P(ProcessNoPidfd, ASweepReapsAnEndedChildByPid) {
  Process p([] { throw SystemExit(std::int64_t{2}); });
  p.start();
  testing::await_child_end(*p.pid());
  EXPECT_TRUE(active_children().empty());
  EXPECT_TRUE(testing::child_reaped(*p.pid()));
  EXPECT_CALL(sys_, waitpid).Times(0);
  EXPECT_EQ(p.exitcode(), 2);
}

// A Process destroyed while its child runs: the registry keeps the child and
// reaps it by pid in the first sweep after its end.
TEST_P(ProcessNoPidfd, AnOrphanIsReapedByPid) {
  Pipe go;
  auto p = std::make_unique<Process>([&] { testing::await_token_or_end(go); });
  p->start();
  const pid_t pid = *p->pid();
  p.reset();
  EXPECT_FALSE(testing::child_reaped(pid));
  go.close_write();
  testing::await_child_end(pid);
  (void)active_children();
  EXPECT_TRUE(testing::child_reaped(pid));
}

// Reaped behind pyproc's back (someone's waitpid(-1)): CPython reads the
// ECHILD as "no exit code yet"; join() returns. Such a child looks alive
// forever, so the registry keeps its fds, as CPython's _children keeps it.
TEST_P(ProcessNoPidfd, AnOutsideReapLeavesTheExitCodeUnknown) {
  auto p = std::make_unique<Process>([] {});
  p->start();
  int status = 0;
  ASSERT_EQ(::waitpid(*p->pid(), &status, 0), *p->pid());
  p->join();
  EXPECT_EQ(p->exitcode(), std::nullopt);
  p->join(1.0);
  EXPECT_EQ(p->exitcode(), std::nullopt);
  p.reset();
  fds_before_ = testing::count_open_fds();
}

// T3 without a pidfd: the blocking join holds no lock while it waits.
TEST_P(ProcessNoPidfd, OneObjectJoinedPolledAndTerminatedFromThreeThreads) {
  testing::join_poll_and_terminate_from_three_threads(20);
}

INSTANTIATE_TEST_SUITE_P(, ProcessNoPidfd, ::testing::Values(ENOSYS, EPERM),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(info.param == ENOSYS ? "Enosys" : "Eperm");
                         });

// Any other refusal is an error of start(), as before: EINVAL (pidfd_open
// says it only for a bad pid or flags, so it would be pyproc's own bug) and
// EMFILE (process_fault_injection_test.cpp) are raised, the child is
// removed before it ran anything, and nothing is left open.
TEST(ProcessPidfdErrors, OtherRefusalsAreRaised) {
  const int fds_before = testing::count_open_fds();
  Pipe ran;
  Process p([&] { ran.write("ran"); });
  {
    ::testing::NiceMock<testing::MockSyscalls> sys;
    EXPECT_CALL(sys, pidfd_open).WillOnce(SetErrnoAndReturn(EINVAL, -1));
    EXPECT_EQ(raised([&] { p.start(); }), "OSError: [Errno 22] Invalid argument");
  }
  ran.close_write();
  EXPECT_EQ(ran.read_all(), "");
  ran.close_read();
  EXPECT_EQ(testing::count_open_fds(), fds_before);
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

// Both pipes are made before fork(); with a pidfd the go byte tells the
// child to close its end of the sentinel pipe, so such a child holds one fd
// fewer than one that keeps it (as CPython's child keeps it).
TEST(ProcessPidfdErrors, WithAPidfdTheChildDropsItsEndOfThePipeSentinel) {
  const auto fds_in_child = [](bool pidfd) {
    Pipe report;
    Process p([&] { report.write(std::to_string(testing::count_open_fds()) + "\n"); });
    {
      ::testing::NiceMock<testing::MockSyscalls> sys;
      if (!pidfd) ON_CALL(sys, pidfd_open).WillByDefault(SetErrnoAndReturn(ENOSYS, -1));
      p.start();
    }
    const std::string count = report.read_line();
    p.join();
    p.close();
    return std::stoi(count);
  };
  EXPECT_EQ(fds_in_child(false), fds_in_child(true) + 1);
}

}  // namespace
}  // namespace pyproc

// Failures injected through the system-call seam: what start(), join(),
// terminate() and friends do when fork, pipe2, pidfd_open, waitpid, poll,
// kill or pidfd_send_signal fail, and that no fd or child is left behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "pyproc/multiprocessing/process.hpp"
#include "support/raised.hpp"
#include "support/test_support.hpp"

namespace pyproc {
namespace {

using testing::kMyPid;

using ::testing::_;
using ::testing::AnyNumber;
using ::testing::AtLeast;
using testing::await_token;
using testing::give_token;
using ::testing::Invoke;
using testing::MockSyscalls;
using ::testing::NiceMock;
using testing::Pipe;
using testing::raised;
using ::testing::Return;
using ::testing::SetErrnoAndReturn;

class FaultInjection : public ::testing::Test {
 protected:
  int fds_before_ = testing::count_open_fds();
};

TEST_F(FaultInjection, ForkEagainLeavesAnInitialProcessThatCanStartLater) {
  Process p([] {});
  {
    NiceMock<MockSyscalls> sys;
    EXPECT_CALL(sys, fork()).WillOnce(SetErrnoAndReturn(EAGAIN, -1));
    EXPECT_EQ(raised([&] { p.start(); }),
              "BlockingIOError: [Errno 11] Resource temporarily unavailable");
  }
  EXPECT_EQ(testing::count_open_fds(), fds_before_);
  EXPECT_EQ(p.repr(), "<Process name='" + p.name() + "' parent=" + kMyPid + " initial>");
  EXPECT_EQ(p.pid(), std::nullopt);
  EXPECT_TRUE(active_children().empty());
  // Nothing was consumed: as in CPython, the object can still be started.
  p.start();
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

TEST_F(FaultInjection, ForkEnomemIsAPlainOSErrorAndTheObjectCloses) {
  Process p([] {});
  NiceMock<MockSyscalls> sys;
  EXPECT_CALL(sys, fork()).WillOnce(SetErrnoAndReturn(ENOMEM, -1));
  EXPECT_EQ(raised([&] { p.start(); }), "OSError: [Errno 12] Cannot allocate memory");
  EXPECT_NO_THROW(p.close());
  EXPECT_EQ(testing::count_open_fds(), fds_before_);
}

TEST_F(FaultInjection, Pipe2EmfileFailsBeforeFork) {
  Process p([] {});
  NiceMock<MockSyscalls> sys;
  EXPECT_CALL(sys, pipe2(_, O_CLOEXEC)).WillOnce(SetErrnoAndReturn(EMFILE, -1));
  EXPECT_CALL(sys, fork()).Times(0);
  EXPECT_EQ(raised([&] { p.start(); }), "OSError: [Errno 24] Too many open files");
  EXPECT_EQ(testing::count_open_fds(), fds_before_);
}

// pidfd_open() fails after fork(): the child must be removed before it has
// run anything, and reaped.
TEST_F(FaultInjection, PidfdEmfileKillsAndReapsTheUnstartedChild) {
  Pipe ran;
  Process p([&] { ran.write("ran"); });
  const int fds_with_pipe = testing::count_open_fds();
  pid_t forked = -1;
  {
    NiceMock<MockSyscalls> sys;
    EXPECT_CALL(sys, fork()).WillOnce(Invoke([&] {
      const pid_t pid = detail::real_syscalls().fork();
      if (pid > 0) forked = pid;
      return pid;
    }));
    EXPECT_CALL(sys, pidfd_open(_, 0u)).WillOnce(Invoke([&](pid_t, unsigned) {
      // Give a child that did not wait for the go byte time to show it.
      EXPECT_FALSE(ran.readable(0.05));
      errno = EMFILE;
      return -1;
    }));
    EXPECT_CALL(sys, kill(_, SIGKILL)).Times(1);
    EXPECT_EQ(raised([&] { p.start(); }), "OSError: [Errno 24] Too many open files");
  }
  EXPECT_EQ(testing::count_open_fds(), fds_with_pipe);
  ASSERT_GT(forked, 0);
  int status;
  errno = 0;
  EXPECT_EQ(::waitpid(forked, &status, WNOHANG), -1);  // already reaped
  EXPECT_EQ(errno, ECHILD);
  ran.close_write();
  EXPECT_EQ(ran.read_all(), "");  // the target never ran
  EXPECT_EQ(p.repr(), "<Process name='" + p.name() + "' parent=" + kMyPid + " initial>");
  p.close();
}

TEST_F(FaultInjection, GoByteWriteFailureAlsoRemovesTheChild) {
  Process p([] {});
  pid_t forked = -1;
  {
    NiceMock<MockSyscalls> sys;
    EXPECT_CALL(sys, fork()).WillOnce(Invoke([&] {
      const pid_t pid = detail::real_syscalls().fork();
      if (pid > 0) forked = pid;
      return pid;
    }));
    EXPECT_CALL(sys, write(_, _, 1u))
        .WillOnce(SetErrnoAndReturn(EINTR, -1))  // retried
        .WillOnce(SetErrnoAndReturn(EPIPE, -1));
    EXPECT_EQ(raised([&] { p.start(); }), "BrokenPipeError: [Errno 32] Broken pipe");
  }
  int status;
  EXPECT_EQ(::waitpid(forked, &status, WNOHANG), -1);
  EXPECT_EQ(testing::count_open_fds(), fds_before_);
}

// The reap is waitid(P_PIDFD, WEXITED), blocking once the sentinel said the
// child ended (with WNOHANG for a poll).
TEST_F(FaultInjection, BlockingJoinRetriesTheReapOnEintr) {
  Process p([] {});
  p.start();
  NiceMock<MockSyscalls> sys;
  EXPECT_CALL(sys, waitid(_, _, _, _)).Times(AnyNumber());  // the looks (WNOWAIT)
  EXPECT_CALL(sys, waitid(P_PIDFD, _, _, WEXITED))
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillOnce(Invoke(&detail::real_syscalls(), &detail::Syscalls::waitid));
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

// issue 20: a child reaped behind pyproc's back whose pid another child of
// this process now has. pyproc waits through the pidfd, which still names
// the reaped child: join() returns at once with the exit code unknown
// (ECHILD, as CPython reads it) and never waits for, nor reaps, the other.
TEST_F(FaultInjection, JoinNeverWaitsByPid) {
  Process p([] {});
  p.start();
  int status = 0;
  ASSERT_EQ(::waitpid(*p.pid(), &status, 0), *p.pid());  // someone else's waitpid(-1)
  NiceMock<MockSyscalls> sys;
  EXPECT_CALL(sys, waitpid(_, _, _)).Times(0);
  p.join();
  EXPECT_EQ(p.exitcode(), std::nullopt);
  p.join(1.0);
  EXPECT_EQ(p.exitcode(), std::nullopt);
}

TEST_F(FaultInjection, TimedJoinResumesPollOnEintr) {
  Process p([] {});
  p.start();
  NiceMock<MockSyscalls> sys;
  EXPECT_CALL(sys, poll(_, 1u, _))
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillRepeatedly(Invoke(&detail::real_syscalls(), &detail::Syscalls::poll));
  p.join(30.0);
  EXPECT_EQ(p.exitcode(), 0);
}

TEST_F(FaultInjection, EintrAfterTheDeadlineMeansTimedOut) {
  Pipe go;
  Process p([&] { await_token(go); });
  p.start();
  {
    NiceMock<MockSyscalls> sys;
    // A zero timeout polls once (0 ms); interrupted, there is no time left.
    EXPECT_CALL(sys, poll(_, 1u, 0)).WillOnce(SetErrnoAndReturn(EINTR, -1));
    p.join(0.0);
  }
  EXPECT_EQ(p.exitcode(), std::nullopt);
  give_token(go);
  p.join();
}

TEST_F(FaultInjection, PollFailureOtherThanEintrIsRaised) {
  Pipe go;
  Process p([&] { await_token(go); });
  p.start();
  {
    NiceMock<MockSyscalls> sys;
    EXPECT_CALL(sys, poll(_, 1u, _)).WillOnce(SetErrnoAndReturn(ENOMEM, -1));
    EXPECT_EQ(raised([&] { p.join(1.0); }), "OSError: [Errno 12] Cannot allocate memory");
  }
  give_token(go);
  p.join();
}

TEST_F(FaultInjection, TerminateIgnoresEsrch) {
  Pipe go;
  Process p([&] { await_token(go); });
  p.start();
  {
    NiceMock<MockSyscalls> sys;
    EXPECT_CALL(sys, pidfd_send_signal(p.sentinel(), SIGTERM))
        .WillOnce(SetErrnoAndReturn(ESRCH, -1));
    EXPECT_NO_THROW(p.terminate());
  }
  EXPECT_TRUE(p.is_alive());
  give_token(go);
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

TEST_F(FaultInjection, KillEpermRaisesWhileTheChildStillRuns) {
  Pipe go;
  Process p([&] { await_token(go); });
  p.start();
  {
    NiceMock<MockSyscalls> sys;
    EXPECT_CALL(sys, pidfd_send_signal(p.sentinel(), SIGKILL))
        .WillOnce(SetErrnoAndReturn(EPERM, -1));
    // CPython waits up to 0.1 s for the child to end before raising.
    EXPECT_EQ(raised([&] { p.kill(); }), "PermissionError: [Errno 1] Operation not permitted");
  }
  give_token(go);
  p.join();
}

TEST_F(FaultInjection, KillEpermIsForgivenIfTheChildHasEnded) {
  Process p([] {});
  p.start();
  ASSERT_FALSE(connection::wait({p.sentinel()}, 30.0).empty());
  NiceMock<MockSyscalls> sys;
  EXPECT_CALL(sys, pidfd_send_signal(p.sentinel(), SIGTERM)).WillOnce(SetErrnoAndReturn(EPERM, -1));
  EXPECT_NO_THROW(p.terminate());
  EXPECT_EQ(p.exitcode(), 0);
}

TEST_F(FaultInjection, EchildReadsAsStillRunning) {
  Process p([] {});
  p.start();
  ASSERT_FALSE(connection::wait({p.sentinel()}, 30.0).empty());
  {
    NiceMock<MockSyscalls> sys;
    EXPECT_CALL(sys, waitid(_, _, _, _)).Times(AnyNumber());  // the looks (WNOWAIT)
    EXPECT_CALL(sys, waitid(P_PIDFD, _, _, WEXITED | WNOHANG))
        .WillRepeatedly(SetErrnoAndReturn(ECHILD, -1));
    EXPECT_CALL(sys, waitid(P_PIDFD, _, _, WEXITED)).WillRepeatedly(SetErrnoAndReturn(ECHILD, -1));
    EXPECT_EQ(p.exitcode(), std::nullopt);
    EXPECT_TRUE(p.is_alive());
    EXPECT_NO_THROW(p.join());  // returns, exit code still unknown
    EXPECT_EQ(p.exitcode(), std::nullopt);
    EXPECT_EQ(raised([&] { p.close(); }),
              "ValueError: Cannot close a process while it is still running. You should first "
              "call join() or terminate().");
    EXPECT_EQ(active_children(), std::vector<Process*>{&p});
  }
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

TEST_F(FaultInjection, StoppedStatusIsAnInvalidWaitStatus) {
  Process p([] {});
  p.start();
  const pid_t pid = *p.pid();
  {
    NiceMock<MockSyscalls> sys;
    EXPECT_CALL(sys, waitid(_, _, _, _)).Times(AnyNumber());  // the looks (WNOWAIT)
    EXPECT_CALL(sys, waitid(P_PIDFD, _, _, WEXITED | WNOHANG))
        .WillOnce(Invoke([pid](idtype_t, id_t, siginfo_t* info, int) {
          // Stopped by SIGSTOP (waitpid()'s 0x137f): never reported for WEXITED.
          info->si_pid = pid;
          info->si_code = CLD_STOPPED;
          info->si_status = SIGSTOP;
          return 0;
        }));
    EXPECT_EQ(raised([&] { (void)p.exitcode(); }), "ValueError: invalid wait status: 4991");
  }
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

TEST_F(FaultInjection, CloseReleasesBothFdsThroughTheSeam) {
  Process p([] {});
  p.start();
  p.join();
  const int sentinel = p.sentinel();
  NiceMock<MockSyscalls> sys;
  EXPECT_CALL(sys, close(sentinel)).Times(1);
  EXPECT_CALL(sys, close(::testing::Ne(sentinel))).Times(1);
  p.close();
}

TEST_F(FaultInjection, GetpidDecidesWhatIsAChild) {
  Process p([] {});
  NiceMock<MockSyscalls> sys;
  ON_CALL(sys, getpid()).WillByDefault(Return(1));  // as if we were another process
  EXPECT_EQ(raised([&] { p.start(); }),
            "AssertionError: can only start a process object created by current process");
  EXPECT_EQ(raised([&] { p.join(); }), "AssertionError: can only join a child process");
  EXPECT_EQ(raised([&] { (void)p.is_alive(); }), "AssertionError: can only test a child process");
  EXPECT_EQ(p.repr(), "<Process name='" + p.name() + "' parent=" + kMyPid + " unknown>");
}

}  // namespace
}  // namespace pyproc

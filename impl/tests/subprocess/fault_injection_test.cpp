// pyproc::subprocess when system calls fail, through the seam
// (impl/src/core/syscalls.hpp): pipe2 (EMFILE), the launch (EAGAIN), read and
// write (EINTR and EAGAIN retried, EIO raised, EPIPE ignored), poll (EINTR
// retried, ENOMEM raised), waitpid (EINTR retried, ECHILD read as exit code
// 0, others raised), kill (EPERM raised, ESRCH ignored), pidfd_open
// (CPython's back-off instead). Whatever fails, the child is killed and
// reaped and every fd closed: the fixture checks, reaping by hand only a
// child whose wait the mock hid on purpose.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <string>

#include "pyproc/subprocess.hpp"
#include "support/subprocess_test_support.hpp"

namespace pyproc {
namespace {

namespace sp = subprocess;
using ::testing::_;
using testing::helper;
using testing::helper_str;
using ::testing::Invoke;
using testing::raised;
using ::testing::Return;
using ::testing::SetErrnoAndReturn;

detail::Syscalls& real() { return detail::real_syscalls(); }

class SubprocessFaultInjection : public testing::OsFaultTest {};

// ---- starting ----

TEST_F(SubprocessFaultInjection, APipeThatCannotBeMadeLaunchesNothingAndLeaksNothing) {
  EXPECT_CALL(sys_, pipe2(_, O_CLOEXEC))
      .WillOnce(Invoke(&real(), &detail::Syscalls::pipe2))
      .WillOnce(SetErrnoAndReturn(EMFILE, -1));
  EXPECT_CALL(sys_, clone_vfork).Times(0);
  EXPECT_EQ(raised([] { sp::run(helper(), {.capture_output = true}); }),
            "OSError: [Errno 24] Too many open files");
}

TEST_F(SubprocessFaultInjection, ALaunchThatFailsRaisesAndClosesThePipes) {
  EXPECT_CALL(sys_, clone_vfork).WillOnce(SetErrnoAndReturn(EAGAIN, -1));
  EXPECT_EQ(raised([] { sp::run(helper(), {.input = "x", .capture_output = true}); }),
            "BlockingIOError: [Errno 11] Resource temporarily unavailable");
}

// Run in a child: an fd limit that leaves no room for /dev/null.
TEST_F(SubprocessFaultInjection, DevnullThatCannotBeOpenedIsNamed) {
  const auto run = testing::run_in_child([] {
    // UBSan's vptr check of a type it has not seen yet tests the memory
    // through a pipe, which the limit below makes impossible: it would then
    // falsely report the OSError's construction and the calls on it. The
    // same exception raised and read once first puts the type in its cache.
    raised([] { throw OSError(EMFILE, "Too many open files", std::string("/dev/null")); });
    const rlimit none{3, 3};
    ::setrlimit(RLIMIT_NOFILE, &none);
    sp::call(helper(), {.stdin = sp::DEVNULL});
  });
  EXPECT_EQ(run.output, "raised: OSError: [Errno 24] Too many open files: '/dev/null'\n");
}

// ---- the exchange ----

TEST_F(SubprocessFaultInjection, ReadRetriesEintrAndEagain) {
  EXPECT_CALL(sys_, read)
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillOnce(SetErrnoAndReturn(EAGAIN, -1))
      .WillRepeatedly(Invoke(&real(), &detail::Syscalls::read));
  EXPECT_EQ(sp::check_output(helper({"print", "intact"})), "intact\n");
}

TEST_F(SubprocessFaultInjection, AReadErrorKillsAndReapsTheChild) {
  EXPECT_CALL(sys_, read).WillOnce(SetErrnoAndReturn(EIO, -1));
  // The child never ends by itself: only the kill ends it.
  EXPECT_EQ(raised([] {
              sp::run(helper({"print", "x", "wait-signal"}), {.capture_output = true});
            }),
            "OSError: [Errno 5] Input/output error");
}

TEST_F(SubprocessFaultInjection, WriteRetriesEintrAndEagain) {
  EXPECT_CALL(sys_, write(_, _, _))
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillOnce(SetErrnoAndReturn(EAGAIN, -1))
      .WillRepeatedly(Invoke(&real(), &detail::Syscalls::write));
  EXPECT_EQ(sp::check_output(helper({"cat"}), {.input = "all of it"}), "all of it");
}

// The input ends there; the child (cat) then sees end of file.
TEST_F(SubprocessFaultInjection, EpipeEndsTheInputSilently) {
  EXPECT_CALL(sys_, write(_, _, _)).WillOnce(SetErrnoAndReturn(EPIPE, -1));
  EXPECT_EQ(
      sp::run(helper({"cat", "print", "eof"}), {.input = "never sent", .stdout = sp::PIPE}).stdout,
      "eof\n");
}

TEST_F(SubprocessFaultInjection, AWriteErrorKillsAndReapsTheChild) {
  EXPECT_CALL(sys_, write(_, _, _)).WillOnce(SetErrnoAndReturn(EIO, -1));
  EXPECT_EQ(raised([] { sp::run(helper({"wait-signal"}), {.input = "x"}); }),
            "OSError: [Errno 5] Input/output error");
}

TEST_F(SubprocessFaultInjection, PollRetriesEintrAndRaisesOtherErrors) {
  EXPECT_CALL(sys_, poll)
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillRepeatedly(Invoke(&real(), &detail::Syscalls::poll));
  EXPECT_EQ(sp::check_output(helper({"print", "x"}), {.timeout = 60}), "x\n");
  ::testing::Mock::VerifyAndClearExpectations(&sys_);
  EXPECT_CALL(sys_, poll).WillOnce(SetErrnoAndReturn(ENOMEM, -1));
  EXPECT_EQ(raised([] { sp::run(helper({"wait-signal"}), {.capture_output = true}); }),
            "OSError: [Errno 12] Cannot allocate memory");
}

// ---- waiting ----

TEST_F(SubprocessFaultInjection, WaitpidRetriesEintr) {
  EXPECT_CALL(sys_, waitpid(_, _, 0))
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillRepeatedly(Invoke(&real(), &detail::Syscalls::waitpid));
  EXPECT_EQ(sp::call(helper({"exit", "3"})), 3);
}

// SIGCHLD ignored: the kernel reaps children itself and waitpid() fails with
// ECHILD; CPython then reports exit code 0.
TEST_F(SubprocessFaultInjection, EchildReadsAsExitCodeZero) {
  record_launches();
  EXPECT_CALL(sys_, waitpid(_, _, 0)).WillOnce(SetErrnoAndReturn(ECHILD, -1));
  EXPECT_EQ(sp::call(helper({"exit", "3"})), 0);
  EXPECT_EQ(reap_launched(), 3);
}

TEST_F(SubprocessFaultInjection, OtherWaitErrorsAreRaisedAndTheChildIsStillReaped) {
  // kill() looks (WNOHANG) before it signals.
  EXPECT_CALL(sys_, waitpid(_, _, os::WNOHANG)).Times(::testing::AnyNumber());
  EXPECT_CALL(sys_, waitpid(_, _, 0))
      .WillOnce(SetErrnoAndReturn(EINVAL, -1))
      .WillRepeatedly(Invoke(&real(), &detail::Syscalls::waitpid));
  EXPECT_EQ(raised([] { sp::call(helper({"wait-signal"})); }),
            "OSError: [Errno 22] Invalid argument");
}

// A child that failed to exec is reaped before the error is raised, EINTR
// and all.
TEST_F(SubprocessFaultInjection, AChildThatCouldNotExecIsReapedFirst) {
  EXPECT_CALL(sys_, waitpid(_, _, 0))
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillRepeatedly(Invoke(&real(), &detail::Syscalls::waitpid));
  EXPECT_EQ(raised([] { sp::call({"/nonexistent"}); }),
            "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent'");
}

// Without a pidfd (EMFILE), CPython's sleeps of 1 ms doubling to 50 ms.
TEST_F(SubprocessFaultInjection, WithoutAPidfdTheTimeoutStillHolds) {
  EXPECT_CALL(sys_, pidfd_open).WillRepeatedly(SetErrnoAndReturn(EMFILE, -1));
  EXPECT_EQ(
      raised([] { sp::call(helper({"wait-signal"}), {.timeout = 0.1}); }),
      "TimeoutExpired: Command '" + helper_str({"wait-signal"}) + "' timed out after 0.1 seconds");
  EXPECT_EQ(sp::call(helper({"exit", "3"}), {.timeout = 60}), 3);
}

TEST_F(SubprocessFaultInjection, PidfdPollErrorsAreRaised) {
  EXPECT_CALL(sys_, poll)
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillOnce(SetErrnoAndReturn(EINVAL, -1));
  EXPECT_EQ(raised([] { sp::call(helper({"wait-signal"}), {.timeout = 60}); }),
            "OSError: [Errno 22] Invalid argument");
}

// ---- killing ----

// CPython's kill() after a timeout raises what os.kill() raised.
TEST_F(SubprocessFaultInjection, AKillThatFailsIsRaisedAndTheChildIsKilledAfterAll) {
  EXPECT_CALL(sys_, kill(_, SIGKILL))
      .WillOnce(SetErrnoAndReturn(EPERM, -1))
      .WillRepeatedly(Invoke(&real(), &detail::Syscalls::kill));
  EXPECT_EQ(raised([] { sp::call(helper({"wait-signal"}), {.timeout = 0.05}); }),
            "PermissionError: [Errno 1] Operation not permitted");
}

TEST_F(SubprocessFaultInjection, AChildAlreadyGoneIsNoErrorForKill) {
  EXPECT_CALL(sys_, kill(_, SIGKILL))
      .WillOnce(SetErrnoAndReturn(ESRCH, -1))
      .WillRepeatedly(Invoke(&real(), &detail::Syscalls::kill));
  EXPECT_EQ(
      raised([] { sp::call(helper({"wait-signal"}), {.timeout = 0.05}); }),
      "TimeoutExpired: Command '" + helper_str({"wait-signal"}) + "' timed out after 0.05 seconds");
}

}  // namespace
}  // namespace pyproc

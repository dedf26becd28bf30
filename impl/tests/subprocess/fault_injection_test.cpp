// pyproc::subprocess when system calls fail, through the seam
// (impl/src/core/syscalls.hpp): pipe2 (EMFILE), the launch (EAGAIN), read and
// write (EINTR and EAGAIN retried, EIO raised, EPIPE ignored), poll (EINTR
// retried, ENOMEM raised). Popen's waits and signals on both of its paths:
// through the pidfd (waitid(P_PIDFD), pidfd_send_signal) and, where
// pidfd_open is refused (ENOSYS, EPERM), through the pid (waitpid, kill),
// each for wait(), wait(timeout), poll() and send_signal(): EINTR retried,
// ECHILD read as exit code 0, other errors raised with the child still
// reaped; EPERM from a signal raised, ESRCH ignored. Whatever fails, the
// child is killed and reaped and every fd closed: the fixture checks,
// reaping by hand only a child whose wait the mock hid on purpose.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "pyproc/subprocess.hpp"
#include "support/subprocess_test_support.hpp"

namespace pyproc {
namespace {

namespace sp = subprocess;
using ::testing::_;
using testing::await_end_unreaped;
using testing::helper;
using testing::helper_str;
using ::testing::Invoke;
using testing::Pipe;
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

// The exchange makes stdin non-blocking and restores its flags afterwards,
// but not once it has closed it: by then the fd number may be another
// thread's new pipe (here one made the moment stdin is closed, so it gets
// that number), whose O_NONBLOCK must survive. (A blocking pipe there hung
// the other thread's exchange: SubprocessThreads.ConcurrentCalls...)
TEST_F(SubprocessFaultInjection, TheExchangeLeavesAReusedFdNumberAlone) {
  int stdin_fd = -1;
  int reused[2] = {-1, -1};
  EXPECT_CALL(sys_, write(_, _, _))
      .WillRepeatedly(Invoke([&stdin_fd](int fd, const void* data, std::size_t size) {
        if (stdin_fd < 0 && std::string_view(static_cast<const char*>(data), size) == "input") {
          stdin_fd = fd;
        }
        return real().write(fd, data, size);
      }));
  EXPECT_CALL(sys_, close).WillRepeatedly(Invoke([&](int fd) {
    const int r = real().close(fd);
    if (fd == stdin_fd && reused[0] < 0) {
      EXPECT_EQ(::pipe2(reused, O_CLOEXEC | O_NONBLOCK), 0);
    }
    return r;
  }));
  const sp::CompletedProcess r =
      sp::run(helper({"cat"}), {.input = "input", .capture_output = true});
  EXPECT_EQ(r.stdout, "input");
  ASSERT_GE(stdin_fd, 0);
  ASSERT_TRUE(reused[0] == stdin_fd || reused[1] == stdin_fd);
  EXPECT_NE(::fcntl(stdin_fd, F_GETFL) & O_NONBLOCK, 0);
  ::close(reused[0]);
  ::close(reused[1]);
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
  // The child is then killed and exit() waits for it (a real poll of the pidfd).
  EXPECT_CALL(sys_, poll)
      .WillOnce(SetErrnoAndReturn(ENOMEM, -1))
      .WillRepeatedly(Invoke(&real(), &detail::Syscalls::poll));
  EXPECT_EQ(raised([] { sp::run(helper({"wait-signal"}), {.capture_output = true}); }),
            "OSError: [Errno 12] Cannot allocate memory");
}

// ---- waiting, through the pidfd and without one ----
//
// With a pidfd (pidfd_open succeeded) every wait is waitid(P_PIDFD, WEXITED |
// WNOHANG) and the blocking is a poll() of the pidfd; signals go through
// pidfd_send_signal(). Without one (pidfd_open refused: ENOSYS on an old
// kernel, EPERM under seccomp) wait() is a blocking waitpid(pid, 0),
// wait(timeout) and poll() are waitpid(pid, WNOHANG), and signals are
// kill(pid). Each fault is injected into the call the path makes; the test
// also checks that the other path's calls are never made.

enum class Path { Pidfd, NoPidfdEnosys, NoPidfdEperm };
enum class How { Wait, WaitTimeout, Poll };

std::string name_of(Path path) {
  switch (path) {
    case Path::Pidfd:
      return "Pidfd";
    case Path::NoPidfdEnosys:
      return "NoPidfdEnosys";
    case Path::NoPidfdEperm:
      break;
  }
  return "NoPidfdEperm";
}

std::string name_of(How how) {
  switch (how) {
    case How::Wait:
      return "Wait";
    case How::WaitTimeout:
      return "WaitTimeout";
    case How::Poll:
      break;
  }
  return "Poll";
}

// Reaps `pid` by hand (after an injected ECHILD hid it): its exit code.
int reap_by_hand(pid_t pid) {
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  return os::waitstatus_to_exitcode(status);
}

class SubprocessWaitFaults : public SubprocessFaultInjection,
                             public ::testing::WithParamInterface<std::tuple<Path, How>> {
 protected:
  void SetUp() override {
    if (pidfd()) {
      EXPECT_CALL(sys_, waitpid).Times(0);
      EXPECT_CALL(sys_, kill).Times(0);
    } else {
      const int error = path() == Path::NoPidfdEnosys ? ENOSYS : EPERM;
      EXPECT_CALL(sys_, pidfd_open).WillRepeatedly(SetErrnoAndReturn(error, -1));
      EXPECT_CALL(sys_, waitid).Times(0);
      EXPECT_CALL(sys_, pidfd_send_signal).Times(0);
    }
  }
  Path path() const { return std::get<0>(GetParam()); }
  How how() const { return std::get<1>(GetParam()); }
  bool pidfd() const { return path() == Path::Pidfd; }

  // The next wait call that `how` makes on this path fails with `error`
  // (`times` times); the real call after that.
  void fail_wait(int error, int times = 1) {
    if (pidfd()) {
      // (gMock tries the newest expectation first: the failures, then,
      // once they are used up, the real call.)
      EXPECT_CALL(sys_, waitid(P_PIDFD, _, _, os::wexited | os::wnohang))
          .Times(::testing::AnyNumber())
          .WillRepeatedly(Invoke(&real(), &detail::Syscalls::waitid));
      EXPECT_CALL(sys_, waitid(P_PIDFD, _, _, os::wexited | os::wnohang))
          .Times(times)
          .WillRepeatedly(SetErrnoAndReturn(error, -1))
          .RetiresOnSaturation();
    } else {
      const int options = how() == How::Wait ? 0 : os::wnohang;
      EXPECT_CALL(sys_, waitpid)
          .Times(::testing::AnyNumber())
          .WillRepeatedly(Invoke(&real(), &detail::Syscalls::waitpid));
      EXPECT_CALL(sys_, waitpid(_, _, options))
          .Times(times)
          .WillRepeatedly(SetErrnoAndReturn(error, -1))
          .RetiresOnSaturation();
    }
  }

  // wait(), wait(60) or poll() (once the child has ended) of p.
  std::optional<int> wait_for(sp::Popen& p) const {
    switch (how()) {
      case How::Wait:
        return p.wait();
      case How::WaitTimeout:
        return p.wait(60);
      case How::Poll:
        break;
    }
    await_end_unreaped(p.pid());
    return p.poll();
  }
};

TEST_P(SubprocessWaitFaults, EintrIsRetried) {
  sp::Popen p(helper({"exit", "3"}));
  fail_wait(EINTR, 2);
  EXPECT_EQ(wait_for(p), 3);
  EXPECT_EQ(p.returncode(), 3);
}

// SIGCHLD ignored: the kernel reaps children itself and the wait fails with
// ECHILD; CPython then reports exit code 0. The child the mock hid is reaped
// here.
TEST_P(SubprocessWaitFaults, EchildReadsAsExitCodeZero) {
  sp::Popen p(helper({"exit", "3"}));
  fail_wait(ECHILD);
  EXPECT_EQ(wait_for(p), 0);
  EXPECT_EQ(p.returncode(), 0);
  EXPECT_EQ(p.wait(), 0);  // known now: no second wait
  EXPECT_EQ(reap_by_hand(p.pid()), 3);
}

// Raised as the OSError of its errno; nothing is known, and the next wait
// (the real call) reaps the child.
TEST_P(SubprocessWaitFaults, OtherErrorsAreRaisedAndTheChildIsStillReaped) {
  sp::Popen p(helper({"exit", "3"}));
  fail_wait(EINVAL);
  EXPECT_EQ(raised([&] { wait_for(p); }), "OSError: [Errno 22] Invalid argument");
  EXPECT_EQ(p.returncode(), std::nullopt);
  EXPECT_EQ(wait_for(p), 3);
}

// call(), with and without a timeout (it never polls first).
class SubprocessCallWaitFaults : public SubprocessWaitFaults {};

// call(): its wait raises, the child (which never ends by itself) is killed
// and exit() reaps it before the error propagates.
TEST_P(SubprocessCallWaitFaults, CallRaisesAWaitErrorAndStillKillsAndReapsTheChild) {
  fail_wait(EINVAL);
  EXPECT_EQ(raised([this] {
              if (how() == How::Wait) {
                sp::call(helper({"wait-signal"}));
              } else {
                sp::call(helper({"wait-signal"}), {.timeout = 60});
              }
            }),
            "OSError: [Errno 22] Invalid argument");
}

TEST_P(SubprocessCallWaitFaults, CallReadsEchildAsZero) {
  record_launches();
  fail_wait(ECHILD);
  if (how() == How::Wait) {
    EXPECT_EQ(sp::call(helper({"exit", "3"})), 0);
  } else {
    EXPECT_EQ(sp::call(helper({"exit", "3"}), {.timeout = 60}), 0);
  }
  EXPECT_EQ(reap_launched(), 3);
}

std::string param_name(const ::testing::TestParamInfo<std::tuple<Path, How>>& info) {
  return name_of(std::get<0>(info.param)) + "_" + name_of(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(
    , SubprocessWaitFaults,
    ::testing::Combine(::testing::Values(Path::Pidfd, Path::NoPidfdEnosys, Path::NoPidfdEperm),
                       ::testing::Values(How::Wait, How::WaitTimeout, How::Poll)),
    param_name);
INSTANTIATE_TEST_SUITE_P(, SubprocessCallWaitFaults,
                         ::testing::Combine(::testing::Values(Path::Pidfd, Path::NoPidfdEnosys,
                                                              Path::NoPidfdEperm),
                                            ::testing::Values(How::Wait, How::WaitTimeout)),
                         param_name);

// A child that failed to exec is reaped before the error is raised, EINTR
// and all (the launch's own waitpid, whatever the path).
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
  EXPECT_CALL(sys_, waitid).Times(0);
  EXPECT_EQ(
      raised([] { sp::call(helper({"wait-signal"}), {.timeout = 0.1}); }),
      "TimeoutExpired: Command '" + helper_str({"wait-signal"}) + "' timed out after 0.1 seconds");
  EXPECT_EQ(sp::call(helper({"exit", "3"}), {.timeout = 60}), 3);
}

// The poll() of the pidfd in wait(timeout): EINTR retried, others raised;
// the child is then killed and reaped (the later polls are real).
TEST_F(SubprocessFaultInjection, PidfdPollErrorsAreRaised) {
  EXPECT_CALL(sys_, poll)
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillOnce(SetErrnoAndReturn(EINVAL, -1))
      .WillRepeatedly(Invoke(&real(), &detail::Syscalls::poll));
  EXPECT_EQ(raised([] { sp::call(helper({"wait-signal"}), {.timeout = 60}); }),
            "OSError: [Errno 22] Invalid argument");
}

// ---- signalling, through the pidfd and without one ----

class SubprocessSignalFaults : public SubprocessFaultInjection,
                               public ::testing::WithParamInterface<Path> {
 protected:
  void SetUp() override {
    if (!pidfd()) {
      const int error = GetParam() == Path::NoPidfdEnosys ? ENOSYS : EPERM;
      EXPECT_CALL(sys_, pidfd_open).WillRepeatedly(SetErrnoAndReturn(error, -1));
      EXPECT_CALL(sys_, pidfd_send_signal).Times(0);
    } else {
      EXPECT_CALL(sys_, kill).Times(0);
    }
  }
  bool pidfd() const { return GetParam() == Path::Pidfd; }

  // The next signal `signal` sent fails with `error`, after `before` runs
  // (e.g. closing the pipe a child awaits, so that it ends by itself); the
  // real call after that.
  void fail_signal(
      int signal, int error, const std::function<void()>& before = [] {}) {
    const auto fail = [before, error](auto...) {
      before();
      errno = error;
      return -1;
    };
    // Other signals: the real call.
    if (pidfd()) {
      EXPECT_CALL(sys_, pidfd_send_signal)
          .Times(::testing::AnyNumber())
          .WillRepeatedly(Invoke(&real(), &detail::Syscalls::pidfd_send_signal));
      EXPECT_CALL(sys_, pidfd_send_signal(_, signal))
          .WillOnce(Invoke(fail))
          .WillRepeatedly(Invoke(&real(), &detail::Syscalls::pidfd_send_signal));
    } else {
      EXPECT_CALL(sys_, kill)
          .Times(::testing::AnyNumber())
          .WillRepeatedly(Invoke(&real(), &detail::Syscalls::kill));
      EXPECT_CALL(sys_, kill(_, signal))
          .WillOnce(Invoke(fail))
          .WillRepeatedly(Invoke(&real(), &detail::Syscalls::kill));
    }
  }
};

// CPython's send_signal() raises what os.kill() raised; the child is as it
// was, and the next signal (the real call) ends it.
TEST_P(SubprocessSignalFaults, EpermIsRaised) {
  sp::Popen p(helper({"wait-signal"}));
  fail_signal(SIGTERM, EPERM);
  EXPECT_EQ(raised([&] { p.terminate(); }), "PermissionError: [Errno 1] Operation not permitted");
  EXPECT_EQ(p.poll(), std::nullopt);
  p.terminate();
  EXPECT_EQ(p.wait(), -SIGTERM);
}

// A child gone between the poll and the signal (ESRCH) is no error.
TEST_P(SubprocessSignalFaults, EsrchIsIgnored) {
  sp::Popen p(helper({"wait-signal"}));
  fail_signal(SIGUSR1, ESRCH);
  p.send_signal(SIGUSR1);
  EXPECT_EQ(p.returncode(), std::nullopt);
  p.kill();
  EXPECT_EQ(p.wait(), -SIGKILL);
}

// CPython's call() after a timeout raises what os.kill() raised, and its
// __exit__ still waits for the child: here one that ends by itself once
// the signal has failed (it awaits a pipe that the failing call closes).
TEST_P(SubprocessSignalFaults, AKillThatFailsIsRaisedAndTheChildIsStillReaped) {
  Pipe go;
  fail_signal(SIGKILL, EPERM, [&go] { go.close_write(); });
  EXPECT_EQ(
      raised([&go] {
        sp::call(helper({"await", "0", "exit", "4"}), {.stdin = go.read_fd(), .timeout = 0.05});
      }),
      "PermissionError: [Errno 1] Operation not permitted");
}

TEST_P(SubprocessSignalFaults, AChildAlreadyGoneIsNoErrorForKill) {
  Pipe go;
  fail_signal(SIGKILL, ESRCH, [&go] { go.close_write(); });
  EXPECT_EQ(
      raised([&go] {
        sp::call(helper({"await", "0", "exit", "4"}), {.stdin = go.read_fd(), .timeout = 0.05});
      }),
      "TimeoutExpired: Command '" + helper_str({"await", "0", "exit", "4"}) +
          "' timed out after 0.05 seconds");
}

// Once reaped, nothing is sent at all (a no-op, as CPython's).
TEST_P(SubprocessSignalFaults, NothingIsSentToAReapedChild) {
  sp::Popen p(helper({"exit", "3"}));
  EXPECT_EQ(p.wait(), 3);
  EXPECT_CALL(sys_, pidfd_send_signal).Times(0);
  EXPECT_CALL(sys_, kill).Times(0);
  p.send_signal(SIGTERM);
  p.terminate();
  p.kill();
  EXPECT_EQ(p.returncode(), 3);
}

INSTANTIATE_TEST_SUITE_P(, SubprocessSignalFaults,
                         ::testing::Values(Path::Pidfd, Path::NoPidfdEnosys, Path::NoPidfdEperm),
                         [](const ::testing::TestParamInfo<Path>& info) {
                           return name_of(info.param);
                         });

}  // namespace
}  // namespace pyproc

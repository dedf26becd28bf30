// pyproc::os when system calls fail, through the seam (impl/src/core/syscalls.hpp):
// the launch (EAGAIN, ENOMEM), pipe2 (EMFILE), read/write (EINTR, EIO, EPIPE),
// waitpid/waitid/wait4 (EINTR retried, ECHILD), kill/killpg (ESRCH, EPERM),
// nice and times. Every test also checks that no fd or child is left behind
// (OsTest), reaping by hand any real child a mocked wait hid.
#include <signal.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "pyproc/os.hpp"
#include "support/os_test_support.hpp"

namespace pyproc {
namespace {

using ::testing::_;
using ::testing::Invoke;
using testing::kHelper;
using testing::raised;
using ::testing::Return;
using ::testing::SetErrnoAndReturn;

class OsFaultInjection : public testing::OsFaultTest {};

// ---- the launch ----

TEST_F(OsFaultInjection, SpawnRaisesWhatTheLaunchFailedWith) {
  EXPECT_CALL(sys_, clone_vfork)
      .WillOnce(SetErrnoAndReturn(EAGAIN, -1))
      .WillOnce(SetErrnoAndReturn(ENOMEM, -1));
  EXPECT_EQ(raised([] { os::spawnv(os::p_wait, kHelper, {"x"}); }),
            "BlockingIOError: [Errno 11] Resource temporarily unavailable");
  EXPECT_EQ(raised([] { os::spawnv(os::p_nowait, kHelper, {"x"}); }),
            "OSError: [Errno 12] Cannot allocate memory");
}

TEST_F(OsFaultInjection, SystemReturns127WhenTheShellCannotStart) {
  EXPECT_CALL(sys_, clone_vfork).WillOnce(SetErrnoAndReturn(EAGAIN, -1));
  EXPECT_EQ(os::system("exit 0"), 127 << 8);
}

TEST_F(OsFaultInjection, PopenLaunchFailureClosesThePipe) {
  EXPECT_CALL(sys_, clone_vfork).WillOnce(SetErrnoAndReturn(EAGAIN, -1));
  EXPECT_EQ(raised([] { os::popen("true"); }),
            "BlockingIOError: [Errno 11] Resource temporarily unavailable");
}

TEST_F(OsFaultInjection, PopenPipeEmfileLaunchesNothing) {
  EXPECT_CALL(sys_, pipe2(_, O_CLOEXEC)).WillOnce(SetErrnoAndReturn(EMFILE, -1));
  EXPECT_CALL(sys_, clone_vfork).Times(0);
  EXPECT_EQ(raised([] { os::popen("true", "w"); }), "OSError: [Errno 24] Too many open files");
}

// ---- waiting for what was launched ----

TEST_F(OsFaultInjection, SpawnRetriesWaitpidOnEintr) {
  EXPECT_CALL(sys_, waitpid(_, _, 0))
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillOnce(Invoke(&detail::real_syscalls(), &detail::Syscalls::waitpid));
  EXPECT_EQ(os::spawnv(os::p_wait, kHelper, {"x", "exit", "3"}), 3);
}

TEST_F(OsFaultInjection, SpawnRaisesEchild) {
  record_launches();
  EXPECT_CALL(sys_, waitpid(_, _, 0)).WillOnce(SetErrnoAndReturn(ECHILD, -1));
  EXPECT_EQ(raised([] {
              os::spawnv(os::p_wait, kHelper, {"x", "exit", "3"});
            }),
            "ChildProcessError: [Errno 10] No child processes");
  EXPECT_EQ(reap_launched(), 3);
}

TEST_F(OsFaultInjection, SpawnWaitsOnAfterAStopStatus) {
  // As from a traced child: _spawnvef's `if WIFSTOPPED(sts): continue`.
  EXPECT_CALL(sys_, waitpid(_, _, 0))
      .WillOnce(Invoke([](pid_t pid, int* status, int) {
        *status = 0x137f;  // stopped by SIGSTOP
        return pid;
      }))
      .WillOnce(Invoke(&detail::real_syscalls(), &detail::Syscalls::waitpid));
  EXPECT_EQ(os::spawnv(os::p_wait, kHelper, {"x", "exit", "4"}), 4);
}

TEST_F(OsFaultInjection, SystemRetriesEintrAndGivesMinusOneForOtherWaitErrors) {
  record_launches();
  EXPECT_CALL(sys_, waitpid(_, _, 0))
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillOnce(Invoke(&detail::real_syscalls(), &detail::Syscalls::waitpid))
      .WillOnce(SetErrnoAndReturn(ECHILD, -1));
  EXPECT_EQ(os::system("exit 3"), 768);
  EXPECT_EQ(os::system("exit 4"), -1);
  EXPECT_EQ(reap_launched(), 4);
}

TEST_F(OsFaultInjection, PopenCloseRetriesEintrAndReadsEchildAsSuccess) {
  record_launches();
  EXPECT_CALL(sys_, waitpid(_, _, 0))
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillOnce(Invoke(&detail::real_syscalls(), &detail::Syscalls::waitpid))
      .WillOnce(SetErrnoAndReturn(ECHILD, -1));
  EXPECT_EQ(os::popen("exit 3").close(), 768);
  // subprocess: a child that cannot be waited for (SIGCHLD ignored) is taken
  // as exited with 0.
  EXPECT_EQ(os::popen("exit 4").close(), std::nullopt);
  EXPECT_EQ(reap_launched(), 4);
}

TEST_F(OsFaultInjection, PopenCloseRaisesOtherWaitErrorsAndWaitsAgainLater) {
  EXPECT_CALL(sys_, waitpid(_, _, 0))
      .WillOnce(SetErrnoAndReturn(EINVAL, -1))
      .WillRepeatedly(Invoke(&detail::real_syscalls(), &detail::Syscalls::waitpid));
  auto f = os::popen("exit 5");
  EXPECT_EQ(raised([&] { f.close(); }), "OSError: [Errno 22] Invalid argument");
  EXPECT_EQ(f.close(), 5 * 256);
}

TEST_F(OsFaultInjection, AShellThatCannotRunIsReapedBeforeTheErrorIsRaised) {
  EXPECT_CALL(sys_, waitpid(_, _, 0))
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillOnce(Invoke(&detail::real_syscalls(), &detail::Syscalls::waitpid));
  EXPECT_EQ(raised([] { os::detail::popen_with_shell("/nonexistent", "true", "w", -1); }),
            "FileNotFoundError: [Errno 2] No such file or directory: '/nonexistent'");
}

// ---- popen's reads and writes ----

TEST_F(OsFaultInjection, PopenReadRetriesEintrAndRaisesOtherErrors) {
  EXPECT_CALL(sys_, read)
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillOnce(Invoke(&detail::real_syscalls(), &detail::Syscalls::read))
      .WillOnce(SetErrnoAndReturn(EIO, -1))
      .WillRepeatedly(Invoke(&detail::real_syscalls(), &detail::Syscalls::read));
  auto f = os::popen(kHelper + " print a exit 0");
  EXPECT_EQ(f.readline(), "a\n");
  EXPECT_EQ(raised([&] { f.read(); }), "OSError: [Errno 5] Input/output error");
  EXPECT_EQ(f.read(), "");
  EXPECT_EQ(f.close(), std::nullopt);
}

TEST_F(OsFaultInjection, PopenWriteRetriesEintrAndRaisesEpipe) {
  testing::StdoutCapture out;
  EXPECT_CALL(sys_, write(_, _, _))
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillOnce(Invoke(&detail::real_syscalls(), &detail::Syscalls::write))
      .WillOnce(SetErrnoAndReturn(EPIPE, -1))
      .WillRepeatedly(Invoke(&detail::real_syscalls(), &detail::Syscalls::write));
  auto f = os::popen(kHelper + " cat", "w");
  f.write("one\n");
  f.flush();
  f.write("two\n");
  EXPECT_EQ(raised([&] { f.flush(); }), "BrokenPipeError: [Errno 32] Broken pipe");
  // What failed stays buffered; close() writes it (for real this time).
  EXPECT_EQ(f.close(), std::nullopt);
  EXPECT_EQ(out.text(), "one\ntwo\n");
}

TEST_F(OsFaultInjection, PopenBuffersWritesUntilFlushNewlineOrSize) {
  testing::StdoutCapture out;
  {
    auto f = os::popen(kHelper + " cat", "w");
    EXPECT_CALL(sys_, write(f.fileno(), _, _)).Times(0);
    f.write("held\n");
    ::testing::Mock::VerifyAndClearExpectations(&sys_);
    EXPECT_CALL(sys_, write(f.fileno(), _, 5)).Times(1);
    f.flush();
    ::testing::Mock::VerifyAndClearExpectations(&sys_);
    f.close();
  }
  {
    auto f = os::popen(kHelper + " cat", "w", 1);  // line buffered
    EXPECT_CALL(sys_, write(f.fileno(), _, _)).Times(0);
    f.write("no newline yet ");
    ::testing::Mock::VerifyAndClearExpectations(&sys_);
    EXPECT_CALL(sys_, write(f.fileno(), _, 20)).Times(1);
    f.write("line\n");
    ::testing::Mock::VerifyAndClearExpectations(&sys_);
    f.close();
  }
  {
    auto f = os::popen(kHelper + " cat", "w", 4);  // a 4-byte buffer
    EXPECT_CALL(sys_, write(f.fileno(), _, _)).Times(0);
    f.write("abc");
    ::testing::Mock::VerifyAndClearExpectations(&sys_);
    EXPECT_CALL(sys_, write(f.fileno(), _, 5)).Times(1);
    f.write("de");
    ::testing::Mock::VerifyAndClearExpectations(&sys_);
    f.close();
  }
  EXPECT_EQ(out.text(), "held\nno newline yet line\nabcde");
}

// ---- the wait functions ----

TEST_F(OsFaultInjection, WaitsRetryEintr) {
  EXPECT_CALL(sys_, waitpid(_, _, _))
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillRepeatedly(Invoke(&detail::real_syscalls(), &detail::Syscalls::waitpid));
  EXPECT_CALL(sys_, waitid)
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillRepeatedly(Invoke(&detail::real_syscalls(), &detail::Syscalls::waitid));
  EXPECT_CALL(sys_, wait4)
      .WillOnce(SetErrnoAndReturn(EINTR, -1))
      .WillRepeatedly(Invoke(&detail::real_syscalls(), &detail::Syscalls::wait4));
  const pid_t a = os::spawnl(os::p_nowait, kHelper, "x", "exit", "1");
  EXPECT_EQ(os::waitpid(a, 0).status, 1 << 8);
  const pid_t b = os::spawnl(os::p_nowait, kHelper, "x", "exit", "2");
  EXPECT_EQ(os::waitid(os::p_pid, static_cast<id_t>(b), os::wexited)->status, 2);
  const pid_t c = os::spawnl(os::p_nowait, kHelper, "x", "exit", "3");
  EXPECT_EQ(os::wait4(c, 0).status, 3 << 8);
}

TEST_F(OsFaultInjection, WaitsRaiseOtherErrors) {
  EXPECT_CALL(sys_, waitpid).WillOnce(SetErrnoAndReturn(EINVAL, -1));
  EXPECT_CALL(sys_, waitid).WillOnce(SetErrnoAndReturn(ECHILD, -1));
  EXPECT_CALL(sys_, wait4).WillOnce(SetErrnoAndReturn(ECHILD, -1));
  EXPECT_EQ(raised([] { os::wait(); }), "OSError: [Errno 22] Invalid argument");
  EXPECT_EQ(raised([] { os::waitid(os::p_all, 0, os::wexited); }),
            "ChildProcessError: [Errno 10] No child processes");
  EXPECT_EQ(raised([] { os::wait3(0); }), "ChildProcessError: [Errno 10] No child processes");
}

// ---- kill, killpg, nice, times ----

TEST_F(OsFaultInjection, KillAndKillpgRaiseTheirErrno) {
  EXPECT_CALL(sys_, kill(12345, SIGTERM)).WillOnce(SetErrnoAndReturn(EPERM, -1));
  EXPECT_CALL(sys_, killpg(12345, SIGTERM))
      .WillOnce(SetErrnoAndReturn(EPERM, -1))
      .WillOnce(SetErrnoAndReturn(ESRCH, -1));
  EXPECT_EQ(raised([] { os::kill(12345, SIGTERM); }),
            "PermissionError: [Errno 1] Operation not permitted");
  EXPECT_EQ(raised([] { os::killpg(12345, SIGTERM); }),
            "PermissionError: [Errno 1] Operation not permitted");
  EXPECT_EQ(raised([] { os::killpg(12345, SIGTERM); }),
            "ProcessLookupError: [Errno 3] No such process");
}

TEST_F(OsFaultInjection, NiceTellsMinusOneFromAnError) {
  EXPECT_CALL(sys_, nice(-1))
      .WillOnce(Return(-1))  // a niceness of -1: errno untouched
      .WillOnce(SetErrnoAndReturn(EPERM, -1));
  errno = EINTR;  // stale: os.nice clears errno first
  EXPECT_EQ(os::nice(-1), -1);
  EXPECT_EQ(raised([] { os::nice(-1); }), "PermissionError: [Errno 1] Operation not permitted");
}

TEST_F(OsFaultInjection, TimesRaisesItsErrno) {
  EXPECT_CALL(sys_, times).WillOnce(SetErrnoAndReturn(EFAULT, static_cast<clock_t>(-1)));
  EXPECT_EQ(raised([] { os::times(); }), "OSError: [Errno 14] Bad address");
}

}  // namespace
}  // namespace pyproc

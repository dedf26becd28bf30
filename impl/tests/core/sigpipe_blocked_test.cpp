// core/sigpipe_blocked.hpp: a write to a pipe without a reader fails with
// EPIPE instead of killing the process, the SIGPIPE it queued is taken, one
// that was pending before is left alone, and the thread's mask is as before.
#include "core/sigpipe_blocked.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace pyproc::detail {
namespace {

bool blocked() {
  sigset_t mask;
  ::pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  return sigismember(&mask, SIGPIPE) == 1;
}

bool pending() {
  sigset_t set;
  ::sigpending(&set);
  return sigismember(&set, SIGPIPE) == 1;
}

// A pipe whose reader has gone.
struct DeadPipe {
  int fds[2];
  DeadPipe() {
    EXPECT_EQ(::pipe(fds), 0);
    ::close(fds[0]);
  }
  ~DeadPipe() { ::close(fds[1]); }
};

TEST(SigpipeBlocked, AWriteWithoutReaderIsEpipeAndItsSignalIsTaken) {
  ASSERT_FALSE(blocked());
  DeadPipe pipe;
  {
    SigpipeBlocked guard;
    EXPECT_TRUE(blocked());
    errno = 0;
    EXPECT_EQ(::write(pipe.fds[1], "x", 1), -1);
    EXPECT_EQ(errno, EPIPE);
    EXPECT_TRUE(pending());
  }
  EXPECT_FALSE(blocked());
  EXPECT_FALSE(pending());  // taken, not delivered: the process is alive
}

TEST(SigpipeBlocked, NothingQueuedSkipsTheLookButRestoresTheMask) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  {
    SigpipeBlocked guard;
    EXPECT_EQ(::write(fds[1], "x", 1), 1);
    guard.nothing_queued();
  }
  EXPECT_FALSE(blocked());
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(SigpipeBlocked, ASignalPendingBeforeIsNotOursToTake) {
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, SIGPIPE);
  sigset_t saved;
  ::pthread_sigmask(SIG_BLOCK, &only, &saved);
  ::pthread_kill(::pthread_self(), SIGPIPE);  // pending, blocked by the caller
  DeadPipe pipe;
  {
    const int saved_errno = (errno = 42);
    const SigpipeBlocked guard;
    (void)::write(pipe.fds[1], "x", 1);
    errno = saved_errno;
  }
  EXPECT_TRUE(blocked());  // the caller's mask, untouched
  EXPECT_TRUE(pending());  // its own signal, still there
  const timespec no_wait{};
  EXPECT_EQ(::sigtimedwait(&only, nullptr, &no_wait), SIGPIPE);
  ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
}

TEST(SigpipeBlocked, KeepsErrno) {
  DeadPipe pipe;
  errno = 0;
  {
    const SigpipeBlocked guard;
    (void)::write(pipe.fds[1], "x", 1);
  }
  EXPECT_EQ(errno, EPIPE);
}

}  // namespace
}  // namespace pyproc::detail

// SigpipeBlocked: pthread_sigmask(), sigpending() and a sigtimedwait() that
// does not wait.
#include "core/sigpipe_blocked.hpp"

#include <cerrno>
#include <ctime>

namespace pyproc::detail {

SigpipeBlocked::SigpipeBlocked(bool wanted) : active_(wanted) {
  if (!active_) return;
  sigemptyset(&sigpipe_);
  sigaddset(&sigpipe_, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &sigpipe_, &saved_);
  already_blocked_ = sigismember(&saved_, SIGPIPE) == 1;
  if (already_blocked_) {
    sigset_t pending;
    ::sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
}

SigpipeBlocked::~SigpipeBlocked() {
  if (!active_) return;
  const int saved_errno = errno;
  if (may_be_queued_ && !was_pending_) {
    const timespec no_wait{};
    ::sigtimedwait(&sigpipe_, nullptr, &no_wait);  // EAGAIN when none is pending
  }
  if (!already_blocked_) ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  errno = saved_errno;
}

}  // namespace pyproc::detail

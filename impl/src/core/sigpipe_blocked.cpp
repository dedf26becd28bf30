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
  sigset_t pending;
  ::sigpending(&pending);
  was_pending_ = sigismember(&pending, SIGPIPE) == 1;
}

SigpipeBlocked::~SigpipeBlocked() {
  if (!active_) return;
  if (!was_pending_) {
    const int saved_errno = errno;
    const timespec no_wait{};
    ::sigtimedwait(&sigpipe_, nullptr, &no_wait);  // EAGAIN when none is pending
    errno = saved_errno;
  }
  ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
}

}  // namespace pyproc::detail

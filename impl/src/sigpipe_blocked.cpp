// SigpipeBlocked: pthread_sigmask(), sigpending() and a sigtimedwait() that
// does not wait.
#include "sigpipe_blocked.hpp"

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
  if (active_) ::pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
}

void SigpipeBlocked::consume() const {
  if (!active_ || was_pending_) return;
  const int saved_errno = errno;
  const timespec no_wait{};
  ::sigtimedwait(&sigpipe_, nullptr, &no_wait);
  errno = saved_errno;
}

}  // namespace pyproc::detail

// SIGPIPE blocked in the calling thread for a scope, so that writing to a
// pipe whose reader has gone fails with EPIPE instead of killing the process
// (CPython ignores SIGPIPE for the whole interpreter; a C++ program keeps its
// own disposition, which is not pyproc's to change). Used by os.popen()'s
// writes and subprocess's input.
#pragma once

#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C

namespace pyproc::detail {

class SigpipeBlocked {
 public:
  // Blocks SIGPIPE in this thread when `wanted`; does nothing otherwise.
  explicit SigpipeBlocked(bool wanted = true);
  // Restores the thread's mask.
  ~SigpipeBlocked();
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

  // After EPIPE: takes the SIGPIPE that write queued for this thread, unless
  // one was pending before (then it is not ours to take). Keeps errno.
  void consume() const;

 private:
  bool active_;
  bool was_pending_ = false;
  sigset_t sigpipe_{};
  sigset_t saved_{};
};

}  // namespace pyproc::detail

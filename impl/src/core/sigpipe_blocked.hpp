// SIGPIPE blocked in the calling thread for a scope, so that writing to a
// pipe whose reader has gone fails with EPIPE instead of killing the process
// (CPython ignores SIGPIPE for the whole interpreter; a C++ program keeps its
// own disposition, which is not pyproc's to change). Used by os.popen()'s
// writes and subprocess's input.
#pragma once

#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C

namespace pyproc::detail {

//
// A write to a pipe without a reader queues SIGPIPE for the writing thread,
// both when it fails with EPIPE and when the reader goes away in the middle
// of a write that then returns the bytes it wrote (Linux pipe_write()), so
// the destructor takes whatever SIGPIPE is pending when the scope ends,
// unless one was pending already when it began (then it is not ours to take),
// and only then restores the thread's mask. Keeps errno.
//
// Cost: two system calls (block, restore) when the caller says its writes
// all completed (nothing_queued()), four otherwise; a SIGPIPE already
// pending is looked for only when the thread had SIGPIPE blocked already
// (else none can be pending for it: it would have been delivered).
class SigpipeBlocked {
 public:
  // Blocks SIGPIPE in this thread when `wanted`; does nothing otherwise.
  explicit SigpipeBlocked(bool wanted = true);
  ~SigpipeBlocked();
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

  // Every write of the scope took all it was given: none met a reader that
  // had gone, so no SIGPIPE is ours to take.
  void nothing_queued() { may_be_queued_ = false; }

 private:
  bool active_;
  bool already_blocked_ = false;
  bool was_pending_ = false;
  bool may_be_queued_ = true;
  sigset_t sigpipe_{};
  sigset_t saved_{};
};

}  // namespace pyproc::detail

// For tests of children that pyproc owns: a child's wait for its go that
// cannot outlive a failed test, and looks at a child without reaping it, with
// the real waitid() (not the seam).
#pragma once

#include <sys/types.h>
#include <sys/wait.h>

#include <cerrno>

#include "support/test_support.hpp"

namespace pyproc::testing {

// In a child: waits for a token on `go` or for its end of file, having
// first closed the child's copy of the write end. The parent then releases
// every child at once by closing its own write end, and a test that fails
// (or a parent that dies) releases them too, leaving no child blocked.
inline void await_token_or_end(Pipe& go) {
  go.close_write();
  (void)go.read(1);
}

// Blocks until child `pid` has ended; it stays waitable for its owner.
inline void await_child_end(pid_t pid) {
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
}

// Whether `pid` has been reaped already: no longer waitable at all.
inline bool child_reaped(pid_t pid) {
  siginfo_t info{};
  errno = 0;
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) < 0 &&
         errno == ECHILD;
}

}  // namespace pyproc::testing

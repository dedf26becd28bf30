// The rest of os process management: _exit(), abort(), kill(), killpg(),
// nice(), times().
#pragma once

#include <sys/types.h>

#include "pyproc/exceptions.hpp"  // IWYU pragma: export

namespace pyproc::os {

// os._exit(n): ends the process at once with status n (the kernel keeps the
// low 8 bits). No exit handlers, no destructors, nothing flushed (std::cout
// and stdio buffers are lost).
// NOLINTNEXTLINE(bugprone-reserved-identifier): Python's name; not global
[[noreturn]] void _exit(int n);

// os.abort(): ends the process with SIGABRT (a core dump where enabled).
// As in CPython, a handler registered for SIGABRT is not called: CPython's
// handlers only set a flag that the dying interpreter never reads; here the
// disposition is reset to SIG_DFL (and SIGABRT unblocked) before raising it.
// Nothing is flushed.
[[noreturn]] void abort();

// os.kill(pid, sig): ProcessLookupError for ESRCH, PermissionError for EPERM,
// OSError("[Errno 22] Invalid argument") for a bad signal number. sig 0 only
// checks that the process exists.
void kill(pid_t pid, int sig);
// os.killpg(pgid, sig): the same for a process group (EINVAL for pgid < 0).
void killpg(pid_t pgid, int sig);

// os.nice(increment): adds to this process's niceness, returns the new value
// (clamped by the kernel to -20..19). PermissionError when lowering it
// without privilege.
int nice(int increment);

// os.times_result: seconds, in clock ticks divided by sysconf(_SC_CLK_TCK).
struct TimesResult {
  double user;
  double system;
  double children_user;    // of waited-for children
  double children_system;  // likewise
  double elapsed;          // since a fixed point in the past
};
TimesResult times();

}  // namespace pyproc::os

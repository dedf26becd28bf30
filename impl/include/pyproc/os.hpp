// pyproc::os — Python's `os` process management in C++, with CPython 3.11's
// results, exception types and messages (Linux).
//
//   os_constants.hpp  EX_*, P_WAIT/P_NOWAIT/P_NOWAITO, P_ALL/P_PID/P_PGID/
//                     P_PIDFD, W* options, CLD_*
//   os_exec.hpp       exec*, spawn*, system
//   os_popen.hpp      popen
//   os_wait.hpp       wait, waitpid, waitid, wait3, wait4,
//                     waitstatus_to_exitcode, the W* status helpers
//   os_process.hpp    _exit, abort, kill, killpg, nice, times
//
// Not here, because CPython on Linux has none of them: P_DETACH, P_OVERLAY,
// startfile(), EX_NOTFOUND. fork(), forkpty() and register_at_fork() are
// not here yet.
#pragma once

#include "pyproc/os_constants.hpp"
#include "pyproc/os_exec.hpp"
#include "pyproc/os_popen.hpp"
#include "pyproc/os_process.hpp"
#include "pyproc/os_wait.hpp"

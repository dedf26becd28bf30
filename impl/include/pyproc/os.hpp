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
//   os_fork.hpp       fork, forkpty, register_at_fork (and which launches
//                     run its hooks)
//   os_identity.hpp   getpid, getppid, getpgrp, getpgid, getsid, setpgid,
//                     setsid, getcwd, chdir, getuid, geteuid, getgid, getegid
//
// Not here, because CPython on Linux has none of them: P_DETACH, P_OVERLAY,
// startfile(), EX_NOTFOUND, plock().
#pragma once

#include "pyproc/os_constants.hpp"
#include "pyproc/os_exec.hpp"
#include "pyproc/os_fork.hpp"
#include "pyproc/os_identity.hpp"
#include "pyproc/os_popen.hpp"
#include "pyproc/os_process.hpp"
#include "pyproc/os_wait.hpp"

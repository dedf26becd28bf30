// pyproc::os — Python's `os` process management in C++, with CPython 3.11's
// results, exception types and messages (Linux).
//
//   os/constants.hpp           ex_*, p_wait/p_nowait/p_nowaito, p_all/p_pid/
//                              p_pgid/p_pidfd, w* options, cld_* (Python's
//                              names in lower case: os.WNOHANG is os::wnohang)
//   os/exec.hpp                exec*, spawn*, system
//   os/popen.hpp               popen
//   os/wait.hpp                wait, waitpid, waitid, wait3, wait4,
//                              waitstatus_to_exitcode, the W* status helpers
//                              (wifexited, wexitstatus, ...)
//   os/process_management.hpp  _exit, abort, kill, killpg, nice, times
//   os/fork.hpp                fork, forkpty, register_at_fork (and which
//                              launches run its hooks)
//   os/identity.hpp            getpid, getppid, getpgrp, getpgid, getsid,
//                              setpgid, setsid, getcwd, chdir, getuid,
//                              geteuid, getgid, getegid
//
// Not here, because CPython on Linux has none of them: P_DETACH, P_OVERLAY,
// startfile(), EX_NOTFOUND, plock().
#pragma once

#include "pyproc/os/constants.hpp"
#include "pyproc/os/exec.hpp"
#include "pyproc/os/fork.hpp"
#include "pyproc/os/identity.hpp"
#include "pyproc/os/popen.hpp"
#include "pyproc/os/process_management.hpp"
#include "pyproc/os/wait.hpp"

// The constants of Python's `os` process management, with the values CPython
// 3.11 exposes on Linux.
//
// Absent on purpose, because CPython on Linux does not define them either:
// EX_NOTFOUND (not in glibc's <sysexits.h>), P_DETACH and P_OVERLAY (Windows
// spawn modes) and startfile() (Windows only).
//
// Hazard: the C headers define several of these names as macros
// (<sysexits.h>: EX_*; <sys/wait.h>: WNOHANG, WUNTRACED, WSTOPPED, WEXITED,
// WCONTINUED, WNOWAIT). A macro would turn `os::WNOHANG` into `os::1`, so this
// header includes those C headers and #undefs the macros; after it, the names
// are pyproc::os's (same values). A later #include of the C header is a no-op
// thanks to its include guard.
#pragma once

#include <signal.h>  // NOLINT(modernize-deprecated-headers): CLD_* (POSIX, not C)
#include <sys/wait.h>
#include <sysexits.h>

#undef EX_OK
#undef EX_USAGE
#undef EX_DATAERR
#undef EX_NOINPUT
#undef EX_NOUSER
#undef EX_NOHOST
#undef EX_UNAVAILABLE
#undef EX_SOFTWARE
#undef EX_OSERR
#undef EX_OSFILE
#undef EX_CANTCREAT
#undef EX_IOERR
#undef EX_TEMPFAIL
#undef EX_PROTOCOL
#undef EX_NOPERM
#undef EX_CONFIG
#undef WNOHANG
#undef WUNTRACED
#undef WSTOPPED
#undef WEXITED
#undef WCONTINUED
#undef WNOWAIT

namespace pyproc::os {

// Exit codes of <sysexits.h> (os.EX_*), for _exit().
inline constexpr int EX_OK = 0;
inline constexpr int EX_USAGE = 64;
inline constexpr int EX_DATAERR = 65;
inline constexpr int EX_NOINPUT = 66;
inline constexpr int EX_NOUSER = 67;
inline constexpr int EX_NOHOST = 68;
inline constexpr int EX_UNAVAILABLE = 69;
inline constexpr int EX_SOFTWARE = 70;
inline constexpr int EX_OSERR = 71;
inline constexpr int EX_OSFILE = 72;
inline constexpr int EX_CANTCREAT = 73;
inline constexpr int EX_IOERR = 74;
inline constexpr int EX_TEMPFAIL = 75;
inline constexpr int EX_PROTOCOL = 76;
inline constexpr int EX_NOPERM = 77;
inline constexpr int EX_CONFIG = 78;

// spawn*() modes. CPython's Lib/os.py defines them (P_NOWAITO == P_NOWAIT);
// any mode other than P_NOWAIT waits, as there.
inline constexpr int P_WAIT = 0;
inline constexpr int P_NOWAIT = 1;
inline constexpr int P_NOWAITO = 1;

// waitid() id types. The glibc enumerators of the same names (idtype_t) stay
// in the global namespace; these are ints, as in Python.
inline constexpr int P_ALL = 0;
inline constexpr int P_PID = 1;
inline constexpr int P_PGID = 2;
inline constexpr int P_PIDFD = 3;  // Linux >= 5.4; CPython >= 3.9

// waitpid()/wait3()/wait4() and waitid() options.
inline constexpr int WNOHANG = 1;
inline constexpr int WUNTRACED = 2;
inline constexpr int WSTOPPED = 2;
inline constexpr int WEXITED = 4;
inline constexpr int WCONTINUED = 8;
inline constexpr int WNOWAIT = 0x1000000;

// waitid()'s si_code values. <signal.h> defines each as a macro naming the
// enumerator itself, so these declarations are safe.
inline constexpr int CLD_EXITED = 1;
inline constexpr int CLD_KILLED = 2;
inline constexpr int CLD_DUMPED = 3;
inline constexpr int CLD_TRAPPED = 4;
inline constexpr int CLD_STOPPED = 5;
inline constexpr int CLD_CONTINUED = 6;

}  // namespace pyproc::os

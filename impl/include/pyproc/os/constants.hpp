// The constants of Python's `os` process management, with the values CPython
// 3.11 exposes on Linux.
//
// Each is spelled as Python spells it, in lower case (os.WNOHANG is
// os::wnohang, os.EX_OK is os::ex_ok): the C headers define most of the
// upper-case names as macros (<sysexits.h>: EX_*; <sys/wait.h>: WNOHANG and
// the other options; <signal.h>: CLD_*), which would rewrite `os::WNOHANG`
// into `os::1`. The lower-case names leave the user's macros alone, and mean
// nothing to the preprocessor. The values are CPython's own, so they need no
// C header.
//
// Absent on purpose, because CPython on Linux does not define them either:
// EX_NOTFOUND (not in glibc's <sysexits.h>), P_DETACH and P_OVERLAY (Windows
// spawn modes) and startfile() (Windows only).
#pragma once

namespace pyproc::os {

// Exit codes of <sysexits.h> (os.EX_*), for _exit().
inline constexpr int ex_ok = 0;
inline constexpr int ex_usage = 64;
inline constexpr int ex_dataerr = 65;
inline constexpr int ex_noinput = 66;
inline constexpr int ex_nouser = 67;
inline constexpr int ex_nohost = 68;
inline constexpr int ex_unavailable = 69;
inline constexpr int ex_software = 70;
inline constexpr int ex_oserr = 71;
inline constexpr int ex_osfile = 72;
inline constexpr int ex_cantcreat = 73;
inline constexpr int ex_ioerr = 74;
inline constexpr int ex_tempfail = 75;
inline constexpr int ex_protocol = 76;
inline constexpr int ex_noperm = 77;
inline constexpr int ex_config = 78;

// spawn*() modes (os.P_WAIT, ...). CPython's Lib/os.py defines them
// (P_NOWAITO == P_NOWAIT); any mode other than p_nowait waits, as there.
inline constexpr int p_wait = 0;
inline constexpr int p_nowait = 1;
inline constexpr int p_nowaito = 1;

// waitid() id types (os.P_ALL, ...): ints, as in Python, with the values of
// glibc's idtype_t enumerators P_ALL, P_PID, ... (which stay global).
inline constexpr int p_all = 0;
inline constexpr int p_pid = 1;
inline constexpr int p_pgid = 2;
inline constexpr int p_pidfd = 3;  // Linux >= 5.4; CPython >= 3.9

// waitpid()/wait3()/wait4() and waitid() options (os.WNOHANG, ...).
inline constexpr int wnohang = 1;
inline constexpr int wuntraced = 2;
inline constexpr int wstopped = 2;
inline constexpr int wexited = 4;
inline constexpr int wcontinued = 8;
inline constexpr int wnowait = 0x1000000;

// waitid()'s si_code values (os.CLD_EXITED, ...).
inline constexpr int cld_exited = 1;
inline constexpr int cld_killed = 2;
inline constexpr int cld_dumped = 3;
inline constexpr int cld_trapped = 4;
inline constexpr int cld_stopped = 5;
inline constexpr int cld_continued = 6;

}  // namespace pyproc::os

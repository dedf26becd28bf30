// Waiting for children and reading wait statuses: os.wait(), waitpid(),
// waitid(), wait3(), wait4(), waitstatus_to_exitcode() and the W* helpers.
//
// Every wait retries EINTR (PEP 475: C++ has no signal handler that could
// raise instead). Failures raise the OSError subclass of the errno, as CPython
// does: ChildProcessError("[Errno 10] No child processes"), OSError("[Errno
// 22] Invalid argument") for bad options.
//
// Hazard: a wait for "any child" (wait(), wait3(), waitpid(-1 or 0 or -pgid),
// waitid(P_ALL or P_PGID)) reaps children that other code in the process owns
// (a pyproc::Process, a PopenFile); their owners then see ECHILD. That is
// what the Python functions do too; pyproc itself only ever waits for the pid
// it started.
#pragma once

#include <sys/types.h>

#include <optional>

#include "pyproc/os/constants.hpp"

// <sys/wait.h> defines the W* status macros; function-like macros of the same
// names would swallow `os::WIFEXITED(s)`, so they are replaced by the
// functions below (see pyproc/os/constants.hpp for the option flags).
#undef WCOREDUMP
#undef WIFCONTINUED
#undef WIFSTOPPED
#undef WIFSIGNALED
#undef WIFEXITED
#undef WEXITSTATUS
#undef WSTOPSIG
#undef WTERMSIG
// Likewise <signal.h> defines si_pid, si_uid and si_status as macros for
// siginfo_t's union members (si_pid -> _sifields._kill.si_pid), which would
// rewrite WaitidResult's fields. They are #undef'd: in a file that includes
// this header, siginfo_t's fields are spelled out (info._sifields._kill.si_pid,
// info._sifields._sigchld.si_status).
#undef si_pid
#undef si_uid
#undef si_status

namespace pyproc::os {

// (pid, status): what waitpid() and wait() return. WNOHANG with no child
// ready gives {0, 0}.
struct WaitResult {
  pid_t pid;
  int status;
  bool operator==(const WaitResult&) const = default;
};

// resource.struct_rusage: times in seconds (tv_sec + tv_usec * 1e-6), the
// rest as getrusage(2) reports them.
struct Rusage {
  double ru_utime = 0;
  double ru_stime = 0;
  long ru_maxrss = 0;
  long ru_ixrss = 0;
  long ru_idrss = 0;
  long ru_isrss = 0;
  long ru_minflt = 0;
  long ru_majflt = 0;
  long ru_nswap = 0;
  long ru_inblock = 0;
  long ru_oublock = 0;
  long ru_msgsnd = 0;
  long ru_msgrcv = 0;
  long ru_nsignals = 0;
  long ru_nvcsw = 0;
  long ru_nivcsw = 0;
};

// (pid, status, rusage): what wait3() and wait4() return. With WNOHANG and no
// child ready: {0, 0, all zeros}.
struct Wait4Result {
  pid_t pid;
  int status;
  Rusage rusage;
};

// os.waitid_result.
struct WaitidResult {
  pid_t si_pid;
  uid_t si_uid;
  int si_signo;
  int si_status;
  int si_code;
  bool operator==(const WaitidResult&) const = default;
};

WaitResult wait();
// pid > 0: that child; 0: any child in this process group; -1: any child;
// < -1: any child in process group -pid.
WaitResult waitpid(pid_t pid, int options);
// idtype P_PID, P_PGID, P_ALL or P_PIDFD (id is then a pidfd); options ORs
// WEXITED, WSTOPPED, WCONTINUED with WNOHANG, WNOWAIT. std::nullopt when
// WNOHANG finds no child in a waitable state.
std::optional<WaitidResult> waitid(int idtype, id_t id, int options);
Wait4Result wait3(int options);
Wait4Result wait4(pid_t pid, int options);

// The exit code of a wait status: WEXITSTATUS, or -WTERMSIG. ValueError
// otherwise: "process stopped by delivery of signal N" for a stop status,
// "invalid wait status: N" for anything else.
int waitstatus_to_exitcode(int status);

// The W* helpers, on the status as wait()/waitpid()/system() return it
// (glibc's <bits/waitstatus.h> arithmetic, which CPython calls).
bool WCOREDUMP(int status);
bool WIFCONTINUED(int status);
bool WIFSTOPPED(int status);
bool WIFSIGNALED(int status);
bool WIFEXITED(int status);
int WEXITSTATUS(int status);
int WSTOPSIG(int status);
int WTERMSIG(int status);

}  // namespace pyproc::os

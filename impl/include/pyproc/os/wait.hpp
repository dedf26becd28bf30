// Waiting for children and reading wait statuses: os.wait(), waitpid(),
// waitid(), wait3(), wait4(), waitstatus_to_exitcode() and the W* helpers.
//
// Every wait retries EINTR (PEP 475: C++ has no signal handler that could
// raise instead). Failures raise the OSError subclass of the errno, as CPython
// does: ChildProcessError("[Errno 10] No child processes"), OSError("[Errno
// 22] Invalid argument") for bad options.
//
// Hazard: a wait for "any child" (wait(), wait3(), waitpid(-1 or 0 or -pgid),
// waitid(p_all or p_pgid)) reaps children that other code in the process owns
// (a pyproc::Process, a PopenFile); their owners then see ECHILD. That is
// what the Python functions do too; pyproc itself only ever waits for the pid
// it started.
#pragma once

#include <sys/types.h>

#include <optional>

#include "pyproc/exceptions.hpp"  // IWYU pragma: export
#include "pyproc/os/constants.hpp"

namespace pyproc::os {

// (pid, status): what waitpid() and wait() return. wnohang with no child
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

// (pid, status, rusage): what wait3() and wait4() return. With wnohang and no
// child ready: {0, 0, all zeros}.
struct Wait4Result {
  pid_t pid;
  int status;
  Rusage rusage;
};

// os.waitid_result: Python's si_pid is .pid, si_uid .uid, and so on. The
// si_ prefix is dropped because glibc defines si_pid, si_uid and si_status
// as macros (for siginfo_t's union members), which would rewrite the fields.
struct WaitidResult {
  pid_t pid;
  uid_t uid;
  int signo;
  int status;
  int code;
  bool operator==(const WaitidResult&) const = default;
};

WaitResult wait();
// pid > 0: that child; 0: any child in this process group; -1: any child;
// < -1: any child in process group -pid.
WaitResult waitpid(pid_t pid, int options);
// idtype p_pid, p_pgid, p_all or p_pidfd (id is then a pidfd); options ORs
// wexited, wstopped, wcontinued with wnohang, wnowait. std::nullopt when
// wnohang finds no child in a waitable state.
std::optional<WaitidResult> waitid(int idtype, id_t id, int options);
Wait4Result wait3(int options);
Wait4Result wait4(pid_t pid, int options);

// The exit code of a wait status: wexitstatus(), or -wtermsig(). ValueError
// otherwise: "process stopped by delivery of signal N" for a stop status,
// "invalid wait status: N" for anything else.
int waitstatus_to_exitcode(int status);

// The W* helpers (os.WIFEXITED is os::wifexited, ...), on the status as
// wait()/waitpid()/system() return it (glibc's <bits/waitstatus.h>
// arithmetic, which CPython calls). Lower case, because <sys/wait.h> defines
// the upper-case names as function-like macros.
bool wcoredump(int status);
bool wifcontinued(int status);
bool wifstopped(int status);
bool wifsignaled(int status);
bool wifexited(int status);
int wexitstatus(int status);
int wstopsig(int status);
int wtermsig(int status);

}  // namespace pyproc::os

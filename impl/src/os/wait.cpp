// os.wait(), waitpid(), waitid(), wait3(), wait4() and waitstatus_to_exitcode()
// (Modules/posixmodule.c): each retries EINTR (PEP 475) and raises the OSError
// subclass of any other errno.
#include "pyproc/os/wait.hpp"

#include <sys/resource.h>
#include <sys/wait.h>

#include <cerrno>
#include <optional>
#include <string>

#include "core/syscalls.hpp"
#include "pyproc/exceptions.hpp"

namespace pyproc::os {
namespace {

// Calls `call` until it does not fail with EINTR; raises on any other failure.
template <typename Call>
auto retrying_eintr(Call call) {
  for (;;) {
    const auto result = call();
    if (result >= 0) return result;
    if (errno != EINTR) raise_os_error(errno);
  }
}

// CPython's doubletime(): tv_sec + tv_usec * 0.000001.
double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 0.000001;
}

Rusage to_rusage(const struct rusage& ru) {
  return {seconds(ru.ru_utime), seconds(ru.ru_stime), ru.ru_maxrss,  ru.ru_ixrss,
          ru.ru_idrss,          ru.ru_isrss,          ru.ru_minflt,  ru.ru_majflt,
          ru.ru_nswap,          ru.ru_inblock,        ru.ru_oublock, ru.ru_msgsnd,
          ru.ru_msgrcv,         ru.ru_nsignals,       ru.ru_nvcsw,   ru.ru_nivcsw};
}

}  // namespace

WaitResult wait() { return waitpid(-1, 0); }

WaitResult waitpid(pid_t pid, int options) {
  int status = 0;  // (0, 0) when WNOHANG finds nothing
  const pid_t waited =
      retrying_eintr([&] { return pyproc::detail::syscalls().waitpid(pid, &status, options); });
  return {waited, status};
}

std::optional<WaitidResult> waitid(int idtype, id_t id, int options) {
  siginfo_t info{};  // si_pid stays 0 when WNOHANG finds nothing
  retrying_eintr([&] {
    return pyproc::detail::syscalls().waitid(static_cast<idtype_t>(idtype), id, &info, options);
  });
  if (info.si_pid == 0) return std::nullopt;
  return WaitidResult{info.si_pid, info.si_uid, info.si_signo, info.si_status, info.si_code};
}

Wait4Result wait3(int options) { return wait4(-1, options); }

Wait4Result wait4(pid_t pid, int options) {
  int status = 0;
  struct rusage usage {};  // all zeros when WNOHANG finds nothing
  const pid_t waited = retrying_eintr(
      [&] { return pyproc::detail::syscalls().wait4(pid, &status, options, &usage); });
  return {waited, status, to_rusage(usage)};
}

bool wcoredump(int status) { return (status & 0x80) != 0; }
bool wifcontinued(int status) { return status == 0xffff; }
bool wifstopped(int status) { return (status & 0xff) == 0x7f; }
bool wifsignaled(int status) { return static_cast<signed char>((status & 0x7f) + 1) >> 1 > 0; }
bool wifexited(int status) { return (status & 0x7f) == 0; }
int wexitstatus(int status) { return (status & 0xff00) >> 8; }
int wstopsig(int status) { return wexitstatus(status); }
int wtermsig(int status) { return status & 0x7f; }

// os_waitstatus_to_exitcode_impl.
int waitstatus_to_exitcode(int status) {
  if (wifexited(status)) return wexitstatus(status);
  if (wifsignaled(status)) return -wtermsig(status);
  if (wifstopped(status)) {
    throw ValueError("process stopped by delivery of signal " + std::to_string(wstopsig(status)));
  }
  throw ValueError("invalid wait status: " + std::to_string(status));
}

}  // namespace pyproc::os

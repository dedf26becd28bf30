// os._exit(), abort(), kill(), killpg(), nice(), times() (Modules/posixmodule.c).
#include "pyproc/os/process_management.hpp"

#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C
#include <sys/syscall.h>
#include <sys/times.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "core/syscalls.hpp"
#include "pyproc/exceptions.hpp"

#ifdef PYPROC_COVERAGE
extern "C" void __gcov_dump(void);
#endif

namespace pyproc::os {
namespace {

// Coverage builds: _exit() and a signal death skip the hook that writes
// gcov counters.
void dump_coverage() noexcept {
#ifdef PYPROC_COVERAGE
  __gcov_dump();
#endif
}

}  // namespace

// NOLINTNEXTLINE(bugprone-reserved-identifier): Python's name; not global
void _exit(int n) {
  dump_coverage();
  // exit_group(2) is what glibc's _exit() does. Called directly, because
  // ThreadSanitizer's _exit() interceptor flushes stdio: the buffers
  // os._exit() must lose would be written in a TSan build.
  ::syscall(SYS_exit_group, n);
  __builtin_unreachable();
}

void abort() {
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  ::sigaction(SIGABRT, &default_action, nullptr);
  sigset_t abrt;
  sigemptyset(&abrt);
  sigaddset(&abrt, SIGABRT);
  ::pthread_sigmask(SIG_UNBLOCK, &abrt, nullptr);
  dump_coverage();
  (void)::raise(SIGABRT);
  std::abort();  // not reached: SIGABRT is unblocked and at its default
}

void kill(pid_t pid, int sig) {
  if (pyproc::detail::syscalls().kill(pid, sig) != 0) raise_os_error(errno);
}

void killpg(pid_t pgid, int sig) {
  if (pyproc::detail::syscalls().killpg(pgid, sig) != 0) raise_os_error(errno);
}

int nice(int increment) {
  // -1 is a valid niceness: only errno tells a failure apart.
  errno = 0;
  const int value = pyproc::detail::syscalls().nice(increment);
  if (value == -1 && errno != 0) raise_os_error(errno);
  return value;
}

TimesResult times() {
  struct tms t {};
  const clock_t elapsed = pyproc::detail::syscalls().times(&t);
  if (elapsed == static_cast<clock_t>(-1)) raise_os_error(errno);
  const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return {static_cast<double>(t.tms_utime) / ticks, static_cast<double>(t.tms_stime) / ticks,
          static_cast<double>(t.tms_cutime) / ticks, static_cast<double>(t.tms_cstime) / ticks,
          static_cast<double>(elapsed) / ticks};
}

}  // namespace pyproc::os

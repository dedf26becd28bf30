// os.fork() and os.forkpty() (Modules/posixmodule.c: os_fork_impl,
// os_forkpty_impl): the before hooks, fork(2), then the after_in_child hooks
// in the child or the after_in_parent hooks in the parent, failure included.
#include "pyproc/os/fork.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>

#include "core/at_fork.hpp"
#include "core/syscalls.hpp"
#include "pyproc/exceptions.hpp"

namespace pyproc::os {
namespace {

// What a forked child does before it returns to the caller: the real system
// calls again (a test's mock belongs to the parent; syscalls.hpp), then
// PyOS_AfterFork_Child's hooks.
void enter_child() noexcept {
  pyproc::detail::set_syscalls(nullptr);
  pyproc::detail::run_after_fork_child_hooks();
}

// login_tty(3): a new session whose controlling terminal is `tty`, which
// becomes fds 0, 1 and 2, inheritable. False if a step failed.
bool login_tty(int tty) noexcept {
  if (::setsid() < 0 || ::ioctl(tty, TIOCSCTTY, 0) < 0) return false;
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
    // dup2() onto itself would keep the O_CLOEXEC the terminal was opened with.
    if (tty == fd ? ::fcntl(fd, F_SETFD, 0) != 0 : ::dup2(tty, fd) != fd) return false;
  }
  if (tty > STDERR_FILENO) ::close(tty);
  return true;
}

}  // namespace

pid_t fork() {
  pyproc::detail::run_before_fork_hooks();
  const pid_t pid = pyproc::detail::syscalls().fork();
  if (pid == 0) {
    enter_child();
    return 0;
  }
  const int fork_errno = errno;
  pyproc::detail::run_after_fork_parent_hooks();
  if (pid < 0) raise_os_error(fork_errno);
  return pid;
}

// glibc's forkpty() is openpty() then fork(), and in the child login_tty(),
// ending the child with status 1 if that fails; CPython calls it between
// the before hooks and the after ones. The same here, with O_CLOEXEC fds.
ForkptyResult forkpty() {
  pyproc::detail::run_before_fork_hooks();
  pyproc::detail::Syscalls& sys = pyproc::detail::syscalls();
  int master = -1;
  int slave = -1;
  pid_t pid = -1;
  int error = 0;
  if (sys.openpty(&master, &slave) != 0) {
    error = errno;
  } else if ((pid = sys.fork()) < 0) {
    error = errno;
    sys.close(master);
    sys.close(slave);
  }
  if (pid == 0) {
    ::close(master);
    if (!login_tty(slave)) ::_exit(1);
    enter_child();
    return {0, -1};
  }
  if (pid > 0) sys.close(slave);
  pyproc::detail::run_after_fork_parent_hooks();
  if (pid < 0) raise_os_error(error);
  return {pid, master};
}

}  // namespace pyproc::os

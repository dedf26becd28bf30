// The parent's side of a forked child: launch, poll, wait, signal, close.
#include "multiprocessing/popen_fork.hpp"

#include <fcntl.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/at_fork.hpp"
#include "core/syscalls.hpp"
#include "multiprocessing/registry.hpp"
#include "multiprocessing/std_streams.hpp"
#include "pyproc/exceptions.hpp"
#include "pyproc/multiprocessing/connection.hpp"

namespace pyproc::detail {
namespace {

// The child waits for one of these bytes before it runs anything (see
// launch()): the parent has a pidfd, or it keeps the pipe sentinel.
constexpr char kGoPidfd = 'g';
constexpr char kGoPipe = 'p';

// What pidfd_open() answers where pidfds are not to be had: ENOSYS (a kernel
// before 5.3, gVisor, seccomp profiles that answer so) and EPERM (container
// seccomp profiles). Not EINVAL: pidfd_open() gives it only for bad flags
// or a pid that is not a process, neither of which a fork's child can be, so
// it would be pyproc's own bug, not the system's refusal; nor EMFILE or
// ENOMEM, which CPython would meet at its own os.pipe().
bool pidfds_refused(int error) { return error == ENOSYS || error == EPERM; }

bool send_go(Syscalls& sys, int parent_w, char go) {
  for (;;) {
    const ssize_t n = sys.write(parent_w, &go, 1);
    if (n == 1) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

// Used when launch() fails after fork: the child is still blocked in
// await_go(), so it has run no user code and SIGKILL interrupts nothing.
// It is reaped at once: no zombie is left behind. errno is preserved.
void abandon_child(Syscalls& sys, pid_t pid) noexcept {
  const int saved_errno = errno;
  sys.kill(pid, SIGKILL);
  int status;
  while (sys.waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  errno = saved_errno;
}

}  // namespace

// Child side: raw system calls only, nothing allocated. A byte means "go".
// End of file means the parent died before it could confirm; CPython's child
// would run regardless, and so does this one (keeping its sentinel end, as
// CPython's child does).
void await_go(int parent_sentinel, int sentinel_w) noexcept {
  char byte = 0;
  while (::read(parent_sentinel, &byte, 1) < 0 && errno == EINTR) {
  }
  if (byte == kGoPidfd) ::close(sentinel_w);
}

int wait_status_of(const siginfo_t& info) {
  const int value = info.si_status;
  switch (info.si_code) {
    case CLD_EXITED:
      return (value & 0xff) << 8;
    case CLD_KILLED:
      return value & 0x7f;
    case CLD_DUMPED:
      return (value & 0x7f) | 0x80;
    case CLD_CONTINUED:
      return 0xffff;
    default:  // CLD_STOPPED, CLD_TRAPPED
      return ((value & 0xff) << 8) | 0x7f;
  }
}

int waitstatus_to_exitcode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  throw ValueError("invalid wait status: " + std::to_string(status));
}

// popen_fork.Popen._launch, with two differences where pidfds are allowed:
//
// * The sentinel is a pidfd, not the read end of a pipe whose write end the
//   child holds. CPython's pipe only reports EOF once every process holding
//   that write end has exited, grandchildren that inherited it included, so
//   there the sentinel (and join(timeout)) of a child that ended (os._exit,
//   a signal) while its own children live stays "not ready". A pidfd is
//   ready as soon as the child itself has ended. This is observable
//   (conformance case 0144, an accident of CPython's design) and is the one
//   deliberate deviation here. Where pidfd_open is refused (pidfds_refused),
//   the sentinel is CPython's pipe and case 0144 behaves as in CPython
//   (conformance/deviations/cpp-no-pidfd.json).
//
// * The child blocks until the parent has its sentinel (one byte on the pipe
//   the child later uses as parent_process().sentinel). pidfd_open() can only
//   run after fork(); if it fails (EMFILE, ENOMEM), the child must be removed
//   before it has done anything, or a failed start() would leave side effects
//   of a process the caller never got. Not observable otherwise.
//
// Both pipes are made before fork(), as CPython makes its own before
// os.fork() (so that a failure runs no at-fork hook): which sentinel the
// parent keeps is only known after fork(), when pidfd_open() answers. With a
// pidfd the parent closes the pipe's read end and the go byte tells the child
// to close its write end, so the pipe costs a pipe2() and three close()s.
//
// pidfd_open(pid) after fork() is race-free: the pid stays ours until we reap
// it. Hazard: code elsewhere in the program that reaps every child
// (waitpid(-1), SIGCHLD set to SIG_IGN) breaks that, as it breaks CPython.
// Hazard of the pipe sentinel, CPython's too: a process forked by another
// thread between the pipe2() and the parent's close() of the child's end (an
// os::fork(), another start()) holds that end as well, until it execs (the
// end is O_CLOEXEC) or exits.
//
// The parent keeps its copy of the child's pipe end until the go byte is
// written: a child killed right after fork() then cannot turn that write into
// SIGPIPE (which would kill the parent) or EPIPE. start() succeeds, as in
// CPython, and the exit code tells how the child ended.
std::unique_ptr<Popen> Popen::launch(const ChildMain& child_main) {
  // Allocated first, so nothing that can throw runs between fork() and the
  // moment the Popen owns the pid; from here on ~Popen closes what it holds.
  std::unique_ptr<Popen> popen(new Popen());
  flush_std_streams();

  Syscalls& sys = syscalls();
  int fds[2];
  if (sys.pipe2(fds, O_CLOEXEC) < 0) raise_os_error(errno);
  const int child_r = fds[0];  // the child's parent sentinel
  popen->parent_w_ = fds[1];
  if (sys.pipe2(fds, O_CLOEXEC) < 0) {
    const int pipe_errno = errno;
    sys.close(child_r);
    raise_os_error(pipe_errno);
  }
  popen->sentinel_ = fds[0];  // the pipe sentinel, unless a pidfd replaces it
  const int child_w = fds[1];

  // CPython's os.fork() runs the at-fork hooks around fork(2) (at_fork.hpp).
  run_before_fork_hooks();
  const pid_t pid = sys.fork();
  if (pid == 0) {
    // The child. Nothing may unwind out of here into the parent's code. Its
    // after_in_child hooks run in child_main, once the parent's go has come.
    set_syscalls(nullptr);
    ::close(popen->parent_w_);
    ::close(popen->sentinel_);
    try {
      child_main(child_r, child_w);  // calls await_go(child_r, child_w) first
    } catch (...) {
    }
    ::_exit(1);  // child_main never returns; this is a backstop.
  }
  // Whatever happens from here on, the after_in_parent hooks run before
  // launch() returns or raises: after the go, so that a hook may wait for
  // something the child does (in CPython the child never waits).
  const int fork_errno = errno;
  const AfterForkInParent after_fork;
  sys.close(child_w);  // only the child (and what it forks) holds it now
  if (pid < 0) {
    sys.close(child_r);
    raise_os_error(fork_errno);
  }

  popen->pid_ = pid;
  const int pidfd = sys.pidfd_open(pid, 0);
  if (pidfd >= 0) {
    sys.close(popen->sentinel_);
    popen->sentinel_ = pidfd;
    popen->uses_pidfd_ = true;
  } else if (const int pidfd_errno = errno; !pidfds_refused(pidfd_errno)) {
    abandon_child(sys, pid);
    sys.close(child_r);
    raise_os_error(pidfd_errno);  // ~Popen closes the rest
  }
  const bool sent = send_go(sys, popen->parent_w_, popen->uses_pidfd_ ? kGoPidfd : kGoPipe);
  const int write_errno = errno;
  sys.close(child_r);
  if (!sent) {
    abandon_child(sys, pid);
    raise_os_error(write_errno);  // ~Popen closes the sentinel and parent_w
  }
  return popen;
}

Popen::~Popen() { close(); }

std::optional<int> Popen::reap(bool ended) {
  if (std::optional<int> known = returncode()) return known;
  const std::lock_guard lock(reap_mu_);
  if (std::optional<int> known = returncode()) return known;  // another thread reaped it
  const std::optional<int> status = wait_status(ended);
  if (!status) return std::nullopt;
  const int code = waitstatus_to_exitcode(*status);
  returncode_.store(code, std::memory_order_release);
  note_child_ended();
  return code;
}

std::optional<int> Popen::wait_status(bool ended) {
  const int options = ended ? 0 : WNOHANG;
  // os.waitpid() retries EINTR itself (PEP 475). "Child process not yet
  // created. See #1731717": CPython reads every OSError (ECHILD in
  // practice) as "no exit code yet".
  if (!uses_pidfd_) {
    int status = 0;
    pid_t waited;
    do {
      waited = syscalls().waitpid(pid_, &status, options);
    } while (waited < 0 && errno == EINTR);
    return waited == pid_ ? std::optional<int>(status) : std::nullopt;
  }
  siginfo_t info{};
  int waited;
  do {
    waited = syscalls().waitid(P_PIDFD, static_cast<id_t>(sentinel_), &info, WEXITED | options);
  } while (waited < 0 && errno == EINTR);
  // si_pid stays 0 while WNOHANG finds the child running.
  if (waited < 0 || info.si_pid == 0) return std::nullopt;
  return wait_status_of(info);
}

// Blocks until the child has ended, without reaping it (WNOWAIT): the
// wake-up of a blocking waitpid() (measured faster than poll() on the
// pidfd), but with reap_mu_ free meanwhile. By pidfd when there is one, so
// never another process's; without one by pid, as CPython's waitpid(pid, 0).
// Any failure (ECHILD after an outside reap) is left to the reap that follows.
void Popen::await_end() {
  const idtype_t idtype = uses_pidfd_ ? P_PIDFD : P_PID;
  const auto id = static_cast<id_t>(uses_pidfd_ ? sentinel_ : pid_);
  siginfo_t info{};
  while (syscalls().waitid(idtype, id, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
}

std::optional<int> Popen::wait(std::optional<double> timeout) {
  if (std::optional<int> known = returncode()) return known;
  // Without a timeout CPython blocks in waitpid(pid, 0); here the wait is a
  // waitid(WNOWAIT), which keeps reap_mu_ free meanwhile; with one, the
  // sentinel is polled, as in CPython. A pidfd ready means the child has
  // ended; the pipe's end of file may come earlier, when the child closed
  // its end itself, and CPython's waitpid(pid, 0) then blocks until the end:
  // so does await_end(). Either way the child has ended when the reap below
  // runs, so it returns at once; timeout == 0 is a pure poll, as in CPython.
  const bool poll_only = timeout && *timeout == 0.0;
  if (timeout && connection::wait({sentinel_}, timeout).empty()) return std::nullopt;
  if (!timeout || (!uses_pidfd_ && !poll_only)) await_end();
  return reap(!poll_only);
}

void Popen::terminate() { send_signal(SIGTERM); }
void Popen::kill() { send_signal(SIGKILL); }

// popen_fork.Popen._send_signal: no signal once the exit code is known; a
// child that is already gone (ESRCH: reaped, by us or behind our back) is
// not an error; any other failure counts only if the child is still running
// 0.1 s later. The signal is sent under reap_mu_, which no thread holds
// while it blocks: without a pidfd, no pyproc thread can reap the pid (and
// free it for reuse) between the look at the exit code and the kill().
void Popen::send_signal(int sig) {
  int kill_errno;
  {
    const std::lock_guard lock(reap_mu_);
    if (returncode()) return;
    const int sent =
        uses_pidfd_ ? syscalls().pidfd_send_signal(sentinel_, sig) : syscalls().kill(pid_, sig);
    if (sent == 0) return;
    kill_errno = errno;
  }
  if (kill_errno == ESRCH) return;
  if (!wait(0.1)) raise_os_error(kill_errno);
}

void Popen::close() {
  // close() is not retried on EINTR: on Linux the fd is gone either way.
  if (sentinel_ >= 0) syscalls().close(sentinel_);
  if (parent_w_ >= 0) syscalls().close(parent_w_);
  sentinel_ = parent_w_ = -1;
}

void Popen::forget() { sentinel_ = parent_w_ = -1; }

}  // namespace pyproc::detail

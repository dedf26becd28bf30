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

// The child waits for this byte before it runs anything: see launch().
constexpr char kGo = 'g';

// Blocks until the child of `pidfd` has ended, without reaping it (WNOWAIT):
// the wake-up of a blocking waitpid() (measured faster than poll() on the
// pidfd), but with reap_mu_ free meanwhile, and by pidfd, so never another
// process's. Any failure (ECHILD after an outside reap) is left to the
// waitpid() that follows.
void await_end(int pidfd) {
  siginfo_t info{};
  while (syscalls().waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED | WNOWAIT) < 0 &&
         errno == EINTR) {
  }
}

bool send_go(Syscalls& sys, int parent_w) {
  for (;;) {
    const ssize_t n = sys.write(parent_w, &kGo, 1);
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
// would run regardless, and so does this one.
void await_go(int parent_sentinel) noexcept {
  char byte;
  while (::read(parent_sentinel, &byte, 1) < 0 && errno == EINTR) {
  }
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

// popen_fork.Popen._launch, with two differences:
//
// * The sentinel is a pidfd, not the read end of a pipe whose write end the
//   child holds. CPython's pipe only reports EOF once every process holding
//   that write end has exited, grandchildren that inherited it included, so
//   there the sentinel (and join(timeout)) of a child that ended (os._exit,
//   a signal) while its own children live stays "not ready". A pidfd is
//   ready as soon as the child itself has ended. This is observable
//   (conformance case 0144, an accident of CPython's design) and is the one
//   deliberate deviation here.
//
// * The child blocks until the parent has its pidfd (one byte on the pipe
//   the child later uses as parent_process().sentinel). pidfd_open() can only
//   run after fork(); if it fails (EMFILE, ENOMEM), the child must be removed
//   before it has done anything, or a failed start() would leave side effects
//   of a process the caller never got. Not observable otherwise.
//
// pidfd_open(pid) after fork() is race-free: the pid stays ours until we reap
// it. Hazard: code elsewhere in the program that reaps every child
// (waitpid(-1), SIGCHLD set to SIG_IGN) breaks that, as it breaks CPython.
//
// The parent keeps its copy of the child's pipe end until the go byte is
// written: a child killed right after fork() then cannot turn that write into
// SIGPIPE (which would kill the parent) or EPIPE. start() succeeds, as in
// CPython, and the exit code tells how the child ended.
std::unique_ptr<Popen> Popen::launch(const ChildMain& child_main) {
  // Allocated first, so nothing that can throw runs between fork() and the
  // moment the Popen owns the pid.
  std::unique_ptr<Popen> popen(new Popen(-1, -1, -1));
  flush_std_streams();

  Syscalls& sys = syscalls();
  int fds[2];  // [0]: the child's parent sentinel, [1]: kept by the parent
  if (sys.pipe2(fds, O_CLOEXEC) < 0) raise_os_error(errno);
  const int child_r = fds[0];
  const int parent_w = fds[1];

  // CPython's os.fork() runs the at-fork hooks around fork(2) (at_fork.hpp).
  run_before_fork_hooks();
  const pid_t pid = sys.fork();
  if (pid == 0) {
    // The child. Nothing may unwind out of here into the parent's code. Its
    // after_in_child hooks run in child_main, once the parent's go has come.
    set_syscalls(nullptr);
    ::close(parent_w);
    try {
      child_main(child_r);  // calls await_go(child_r) first
    } catch (...) {
    }
    ::_exit(1);  // child_main never returns; this is a backstop.
  }
  // Whatever happens from here on, the after_in_parent hooks run before
  // launch() returns or raises: after the go, so that a hook may wait for
  // something the child does (in CPython the child never waits).
  const int fork_errno = errno;
  const AfterForkInParent after_fork;
  if (pid < 0) {
    sys.close(child_r);
    sys.close(parent_w);
    raise_os_error(fork_errno);
  }

  popen->pid_ = pid;
  popen->parent_w_ = parent_w;
  const int pidfd = sys.pidfd_open(pid, 0);
  if (pidfd < 0) {
    const int pidfd_errno = errno;
    abandon_child(sys, pid);
    sys.close(child_r);
    raise_os_error(pidfd_errno);  // ~Popen closes parent_w
  }
  popen->pidfd_ = pidfd;
  const bool sent = send_go(sys, parent_w);
  const int write_errno = errno;
  sys.close(child_r);
  if (!sent) {
    abandon_child(sys, pid);
    raise_os_error(write_errno);  // ~Popen closes pidfd and parent_w
  }
  return popen;
}

Popen::~Popen() { close(); }

std::optional<int> Popen::reap(bool ended) {
  if (std::optional<int> known = returncode()) return known;
  const std::lock_guard lock(reap_mu_);
  if (std::optional<int> known = returncode()) return known;  // another thread reaped it
  siginfo_t info{};
  int waited;
  // os.waitpid() retries EINTR itself (PEP 475).
  do {
    waited = syscalls().waitid(P_PIDFD, static_cast<id_t>(pidfd_), &info,
                               WEXITED | (ended ? 0 : WNOHANG));
  } while (waited < 0 && errno == EINTR);
  // "Child process not yet created. See #1731717": CPython reads every
  // OSError (ECHILD in practice) as "no exit code yet"; si_pid stays 0 while
  // WNOHANG finds the child running.
  if (waited < 0 || info.si_pid == 0) return std::nullopt;
  const int code = waitstatus_to_exitcode(wait_status_of(info));
  returncode_.store(code, std::memory_order_release);
  note_child_ended();
  return code;
}

std::optional<int> Popen::wait(std::optional<double> timeout) {
  if (std::optional<int> known = returncode()) return known;
  // Without a timeout CPython blocks in waitpid(pid, 0); here the wait is a
  // waitid(WNOWAIT), which keeps reap_mu_ free meanwhile; with one, the
  // sentinel is polled, as in CPython. Either way the child has ended when
  // the waitpid() below runs, so it returns at once; timeout == 0 is a pure
  // poll, as in CPython.
  if (!timeout) {
    await_end(pidfd_);
  } else if (connection::wait({pidfd_}, timeout).empty()) {
    return std::nullopt;
  }
  return reap(!(timeout && *timeout == 0.0));
}

void Popen::terminate() { send_signal(SIGTERM); }
void Popen::kill() { send_signal(SIGKILL); }

// popen_fork.Popen._send_signal: no signal once the exit code is known; a
// child that is already gone (ESRCH: reaped, by us or behind our back) is
// not an error; any other failure counts only if the child is still running
// 0.1 s later.
void Popen::send_signal(int sig) {
  if (returncode()) return;
  if (syscalls().pidfd_send_signal(pidfd_, sig) == 0) return;
  const int kill_errno = errno;
  if (kill_errno == ESRCH) return;
  if (!wait(0.1)) raise_os_error(kill_errno);
}

void Popen::close() {
  // close() is not retried on EINTR: on Linux the fd is gone either way.
  if (pidfd_ >= 0) syscalls().close(pidfd_);
  if (parent_w_ >= 0) syscalls().close(parent_w_);
  pidfd_ = parent_w_ = -1;
}

void Popen::forget() { pidfd_ = parent_w_ = -1; }

}  // namespace pyproc::detail

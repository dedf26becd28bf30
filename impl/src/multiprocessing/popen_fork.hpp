// detail::Popen — multiprocessing.popen_fork.Popen: one forked child seen from
// its parent. It owns the sentinel and the write end of the pipe the child
// watches to learn that its parent has gone. The sentinel is the child's
// pidfd, or, where pidfd_open is refused (ENOSYS: a kernel before 5.3,
// gVisor; EPERM: a seccomp profile), CPython's: the read end of a pipe whose
// write end the child holds. Without a pidfd every wait and signal goes by
// pid, as in CPython.
//
// Thread-safe (spec/cpp-thread-contract.md): poll(), wait(), terminate(),
// kill(), returncode() and the accessors may run in several threads at once.
// Exactly one of them reaps the child, under a mutex, and every other then
// sees the exit code it stored; nobody waits for the child while holding
// that mutex. Construction, close(), forget() and destruction need exclusive
// access, as with any object.
#pragma once

#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C
#include <sys/types.h>

#include <atomic>
#include <climits>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

namespace pyproc::detail {

class Popen {
 public:
  // Runs in the child with the read end of the parent-liveness pipe and the
  // child's end of the pipe sentinel; must call await_go() (below) before
  // anything seen outside the child, then run_after_fork_child_hooks()
  // (at_fork.hpp) before anything else, and must not return (it ends with
  // _exit()).
  using ChildMain = std::function<void(int parent_sentinel, int sentinel_w)>;

  // Forks a child that runs `child_main`, with the at-fork hooks around the
  // fork (the after_in_parent ones before it returns or raises). Raises the
  // OSError subclass for the errno of whatever failed (pipe2, fork,
  // pidfd_open but for ENOSYS and EPERM, which mean "no pidfds here"); on
  // failure no fd is left open and no child is left running or unreaped.
  static std::unique_ptr<Popen> launch(const ChildMain& child_main);

  Popen(const Popen&) = delete;
  Popen& operator=(const Popen&) = delete;
  // Closes the fds still owned; never waits (the owner decides about reaping).
  ~Popen();

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] int sentinel() const { return sentinel_; }
  // Whether the sentinel is a pidfd (ready when the child itself ends) or
  // the pipe (ready when every holder of its write end has ended).
  [[nodiscard]] bool uses_pidfd() const { return uses_pidfd_; }

  // The exit code if some thread has already reaped the child; no system call.
  [[nodiscard]] std::optional<int> returncode() const {
    const int code = returncode_.load(std::memory_order_acquire);
    return code == kUnknown ? std::nullopt : std::optional<int>(code);
  }
  // popen_fork.Popen.poll(os.WNOHANG): the exit code once known (-N for
  // signal N). Any wait failure but EINTR (retried) reads as "still
  // running", as in CPython (ECHILD included).
  std::optional<int> poll() { return reap(false); }
  // popen_fork.Popen.wait(timeout). Waits for the end first (on the sentinel
  // with a timeout, in waitid(WNOWAIT) without) and only then reaps, so a
  // blocking join never holds reap_mu_ while other threads poll or signal.
  std::optional<int> wait(std::optional<double> timeout);
  // SIGTERM / SIGKILL through the pidfd, unless the exit code is already
  // known: after an outside reap and pid reuse, kill(pid) would signal an
  // unrelated process; the pidfd cannot. Without one, kill(pid) under
  // reap_mu_, so that at least pyproc has not reaped the pid meanwhile.
  void terminate();
  void kill();

  // popen_fork.Popen.close(): closes the sentinel and the parent's pipe end.
  void close();
  // For a forked child holding copies of its parent's Popens: drops the fds
  // without closing them, exactly what CPython leaves in a forked child.
  void forget();

 private:
  static constexpr int kUnknown = INT_MIN;  // no exit code is ever INT_MIN

  Popen() = default;
  // CPython's waitpid(pid, WNOHANG, or 0 when the child is known to have
  // ended) under reap_mu_, storing the exit code it learns. With a pidfd the
  // wait is waitid(P_PIDFD), never by pid: after someone else's waitpid(-1)
  // reaped the child and its pid went to another child of this process, a
  // wait by pid would block for that other child and take its status
  // (CPython's does, and so does pyproc without a pidfd); the pidfd still
  // names the reaped child (ECHILD: exit code unknown, as CPython reads it).
  // The status is waitpid()'s, rebuilt from the siginfo (wait_status_of()),
  // so its exit code and errors are.
  std::optional<int> reap(bool ended);
  // One waitpid()/waitid() of the child (EINTR retried): its wait status,
  // std::nullopt if it still runs or the wait failed.
  std::optional<int> wait_status(bool ended);
  // Blocks until the child has ended, without reaping it (WNOWAIT).
  void await_end();
  void send_signal(int sig);

  pid_t pid_ = -1;
  int sentinel_ = -1;  // the pidfd, or the read end of the pipe sentinel
  bool uses_pidfd_ = false;
  // Kept open for as long as this object lives: the child sees its parent as
  // alive until the parent has let go of it, as with CPython's parent_w.
  int parent_w_ = -1;
  std::mutex reap_mu_;  // held by the one thread that reaps, and by kill(pid)
  std::atomic<int> returncode_{kUnknown};
};

// The child's side of the start handshake: blocks until the parent has made
// sure of its sentinel (one byte on `parent_sentinel`) or has died (end of
// file). A ChildMain must call it before it does anything seen outside the
// child: if the parent cannot finish start(), it kills the child meanwhile.
// The byte says whether the parent took a pidfd: then the child closes
// `sentinel_w`, its end of the pipe sentinel, which nobody reads; else it
// keeps it for life, and so does whatever it forks, as in CPython.
void await_go(int parent_sentinel, int sentinel_w) noexcept;

// The status waitpid() reports for what waitid() reported in `info` (as
// glibc's waitpid() on waitid() builds it): exited, killed, dumped,
// stopped or continued.
int wait_status_of(const siginfo_t& info);

// os.waitstatus_to_exitcode(): WEXITSTATUS, or -WTERMSIG; ValueError for
// anything else ("invalid wait status: N").
int waitstatus_to_exitcode(int status);

}  // namespace pyproc::detail

// detail::Popen — multiprocessing.popen_fork.Popen: one forked child seen from
// its parent. It owns the child's pidfd (the sentinel) and the write end of
// the pipe the child watches to learn that its parent has gone.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>

namespace pyproc::detail {

class Popen {
 public:
  // Runs in the child with the read end of the parent-liveness pipe; must not
  // return (it ends with _exit()).
  using ChildMain = std::function<void(int parent_sentinel)>;

  // Forks a child that runs `child_main`. Raises the OSError subclass for the
  // errno of whatever failed (pipe2, fork, pidfd_open); on failure no fd is
  // left open and no child is left running or unreaped.
  static std::unique_ptr<Popen> launch(const ChildMain& child_main);

  Popen(const Popen&) = delete;
  Popen& operator=(const Popen&) = delete;
  // Closes the fds still owned; never waits (the owner decides about reaping).
  ~Popen();

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] int sentinel() const { return pidfd_; }

  // popen_fork.Popen.poll(): waitpid(pid, WNOHANG, or 0 when `block`); the
  // exit code once known (-N for signal N). Any waitpid failure but EINTR
  // (retried) reads as "still running", as in CPython (ECHILD included).
  std::optional<int> poll(bool block = false);
  // popen_fork.Popen.wait(timeout): waits on the sentinel first when a
  // timeout is given, so a timed join never blocks in waitpid.
  std::optional<int> wait(std::optional<double> timeout);
  void terminate();  // SIGTERM, unless the exit code is already known
  void kill();       // SIGKILL, likewise

  // popen_fork.Popen.close(): closes the sentinel and the parent's pipe end.
  void close();
  // For a forked child holding copies of its parent's Popens: drops the fds
  // without closing them, exactly what CPython leaves in a forked child.
  void forget();

 private:
  Popen(pid_t pid, int pidfd, int parent_w) : pid_(pid), pidfd_(pidfd), parent_w_(parent_w) {}
  void send_signal(int sig);

  pid_t pid_;
  int pidfd_;
  // Kept open for as long as this object lives: the child sees its parent as
  // alive until the parent has let go of it, as with CPython's parent_w.
  int parent_w_;
  std::optional<int> returncode_;
};

// os.waitstatus_to_exitcode(): WEXITSTATUS, or -WTERMSIG; ValueError for
// anything else ("invalid wait status: N").
int waitstatus_to_exitcode(int status);

}  // namespace pyproc::detail

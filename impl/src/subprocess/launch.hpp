// The parent's side of one child of pyproc::subprocess: what CPython's Popen
// is to call() and run(), reduced to what they use.
#pragma once

#include <sys/types.h>

#include <optional>
#include <utility>

#include "pyproc/subprocess.hpp"

namespace pyproc::subprocess::detail {

// An fd this object closes (through the seam), once.
class OwnedFd {
 public:
  OwnedFd() = default;
  explicit OwnedFd(int fd) : fd_(fd) {}
  OwnedFd(OwnedFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  OwnedFd& operator=(OwnedFd&& other) noexcept;
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd() { reset(); }

  [[nodiscard]] int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset() noexcept;

 private:
  int fd_ = -1;
};

// Popen(args, stdin=, stdout=, stderr=, cwd=, env=, shell=) on POSIX. The
// object owns the child and the parent's ends of its pipes: the destructor
// closes the pipes and, if the child was not reaped yet (an exception is on
// its way), kills it with SIGKILL and reaps it, which is what CPython's
// `with Popen(...)` and run()'s `except: process.kill()` do together.
class Child {
 public:
  // Starts the child. Raises, before anything starts, IndexError (an empty
  // list), ValueError (a NUL byte, an '=' in an env name) and, for a stream
  // that is not a valid fd, OSError(EBADF) as the child's dup2() would; then
  // the OSError of pipe2(), of opening /dev/null or of the launch; then, once
  // the failed child is reaped, the OSError subclass of its errno, naming the
  // program (or the cwd when it failed before its exec).
  Child(const Command& args, const Options& options);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] const Command& args() const { return args_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  // The parent's ends of the pipes (empty unless that stream is PIPE).
  OwnedFd& stdin_pipe() { return stdin_; }
  OwnedFd& stdout_pipe() { return stdout_; }
  OwnedFd& stderr_pipe() { return stderr_; }

  // Popen.wait(): blocks until the child ends; its returncode (-N for
  // signal N; 0 when it cannot be waited for, ECHILD, as CPython).
  int wait();
  // Popen.wait(timeout): TimeoutExpired(args, timeout) if the child has not
  // ended `timeout` seconds from now. Waits on a pidfd against the monotonic
  // clock (CPython's back-off of sleeps only if no pidfd can be opened).
  int wait(const Timeout& timeout);
  // Popen.kill(): SIGKILL, unless the child is known to have ended; a child
  // already gone (ESRCH) is not an error.
  void kill();

 private:
  // waitpid(pid, options): true once the child is reaped (returncode_ set).
  bool try_wait(int options);

  Command args_;
  pid_t pid_ = -1;
  std::optional<int> returncode_;
  OwnedFd stdin_;
  OwnedFd stdout_;
  OwnedFd stderr_;
};

}  // namespace pyproc::subprocess::detail

// How pyproc::subprocess starts a program: Popen._get_handles() and
// Popen._execute_child() (Lib/subprocess.py, POSIX), on the vfork-style
// launcher of pyproc's core.
#pragma once

#include <sys/types.h>

#include <array>
#include <optional>
#include <utility>
#include <vector>

#include "pyproc/subprocess/errors.hpp"
#include "pyproc/subprocess/options.hpp"

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

// Popen._get_handles(): what the child's fds 0-2 become, the parent's ends of
// the pipes, and what is closed once the child has started.
class Handles {
 public:
  // Makes the pipes and opens /dev/null as asked (their OSError); `bad_fd`
  // is set when a stream names no possible fd (a negative number but
  // PIPE/DEVNULL/STDOUT), which CPython's child finds out with EBADF from
  // dup2().
  // `pipesize` > 0: the F_SETPIPE_SZ of each pipe made.
  Handles(std::optional<int> stdin, std::optional<int> stdout, std::optional<int> stderr,
          int pipesize = -1);

  [[nodiscard]] int child_fd(int stream) const { return child_fd_.at(stream); }
  [[nodiscard]] bool bad_fd() const { return bad_fd_; }
  OwnedFd& parent_end(int stream) { return parent_end_.at(stream); }
  // Closes this process's copies of what the child now holds.
  void close_child_ends();

 private:
  void stream(int index, std::optional<int> how, int pipesize);

  std::array<int, 3> child_fd_{-1, -1, -1};
  std::array<OwnedFd, 3> child_end_;
  std::array<OwnedFd, 3> parent_end_;
  OwnedFd devnull_;
  bool bad_fd_ = false;
};

// user, group and extra_groups as ids, resolved as Popen.__init__ resolves
// them, before anything starts: a name through the user and group
// databases (KeyError "getpwnam(): name not found: 'x'"), a number checked
// (ValueError "User ID cannot be negative, got -1").
struct Credentials {
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::optional<std::vector<gid_t>> groups;
};
Credentials resolve_credentials(const Options& options);

// Popen._execute_child() on POSIX: checks args, executable, cwd and env
// (IndexError for an empty list, ValueError for a NUL byte or an '=' in an
// env name), starts the program with the child ends of `handles` as its fds
// 0-2, and closes those ends here. Its pid; or, once the failed child is
// reaped, the OSError subclass of its errno, naming the program (or the cwd
// when it failed before its exec), or OSError(EBADF) for a bad stream fd.
// A preexec_fn that throws is SubprocessError("Exception occurred in
// preexec_fn."), once the child is reaped.
pid_t execute_child(const Command& args, const Options& options, const Credentials& credentials,
                    Handles& handles);

}  // namespace pyproc::subprocess::detail

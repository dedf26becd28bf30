#include "isolated_run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

extern char** environ;

namespace pyproc::harness {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Appends what is available on `fd`; returns false at end of file.
bool drain(int fd, std::string& into) {
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      into.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return true;  // EAGAIN: nothing more for now
  }
}

bool make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return ::fcntl(read_end.get(), F_SETFL, O_NONBLOCK) == 0;
}

pid_t reap_one(int options) {
  int status = 0;
  pid_t pid;
  do {
    pid = ::waitpid(-1, &status, options);
  } while (pid < 0 && errno == EINTR);
  return pid;
}

// The processes whose process group is `group`, read from /proc.
std::vector<pid_t> group_members(pid_t group) {
  std::vector<pid_t> members;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;  // it ended meanwhile
    // "pid (comm) state ppid pgrp ..." — comm may hold spaces and parens.
    auto close_paren = line.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream fields(line.substr(close_paren + 1));
    char state;
    pid_t parent, pgrp;
    if (fields >> state >> parent >> pgrp && pgrp == group) members.push_back(std::stoi(name));
  }
  return members;
}

// After the driver has exited, its case must be over. Orphans of the case
// came back to us (we are a subreaper): those that have ended are reaped
// quietly; one still in the middle of exiting gets a short grace to finish
// (waited on with pidfds, not a sleep); anything still in the process group
// after that was left running — a leak: it is killed, reaped and counted.
//
// waitpid(-1) is right here and only here: the harness has no children but the
// drivers it runs one at a time, so nothing can be stolen from other code.
int collect_leftovers(pid_t group) {
  const auto deadline = Clock::now() + std::chrono::seconds(2);
  for (;;) {
    while (reap_one(WNOHANG) > 0) {
    }
    const auto members = group_members(group);
    if (members.empty()) return 0;
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (remaining.count() <= 0) {
      ::kill(-group, SIGKILL);
      while (!group_members(group).empty() && reap_one(0) > 0) {
      }
      return static_cast<int>(members.size());
    }
    std::vector<Fd> pidfds;
    std::vector<pollfd> fds;
    for (pid_t member : members) {
      pidfds.emplace_back(static_cast<int>(::syscall(SYS_pidfd_open, member, 0)));
      fds.push_back({pidfds.back().get(), POLLIN, 0});
    }
    ::poll(fds.data(), fds.size(), static_cast<int>(remaining.count()) + 1);
  }
}

}  // namespace

IsolatedRun run_isolated(const std::vector<std::string>& argv, double timeout_seconds) {
  IsolatedRun result;
  static const bool subreaper = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
  (void)subreaper;

  Fd out_read, out_write, err_read, err_write;
  if (!make_pipe(out_read, out_write) || !make_pipe(err_read, err_write)) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attributes);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), STDERR_FILENO);
  // A new process group, so that the whole case can be found and killed.
  posix_spawnattr_setpgroup(&attributes, 0);
  // Signals the harness ignores or blocks must not leak into the case.
  sigset_t all_default, none;
  sigfillset(&all_default);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attributes, &all_default);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  pid_t pid = -1;
  int spawn_error = ::posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  out_write.reset();
  err_write.reset();
  if (spawn_error != 0) {
    result.error = "cannot run " + argv[0] + ": " + std::strerror(spawn_error);
    return result;
  }
  result.started = true;

  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(timeout_seconds));
  bool exited = false, out_open = true, err_open = true;
  while (!exited) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (remaining.count() <= 0) {
      result.hung = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    pollfd fds[3] = {{pidfd.get(), POLLIN, 0},
                     {out_open ? out_read.get() : -1, POLLIN, 0},
                     {err_open ? err_read.get() : -1, POLLIN, 0}};
    int ready = ::poll(fds, 3, static_cast<int>(remaining.count()) + 1);
    if (ready < 0 && errno != EINTR) {
      result.error = std::string("poll: ") + std::strerror(errno);
      ::kill(-pid, SIGKILL);
      break;
    }
    if (fds[1].revents) out_open = drain(out_read.get(), result.out);
    if (fds[2].revents) err_open = drain(err_read.get(), result.err);
    exited = fds[0].revents != 0;
  }

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // The driver is gone: whatever it wrote is in the pipes. Orphans may still
  // hold the write ends, so read what is there rather than waiting for EOF.
  if (out_open) drain(out_read.get(), result.out);
  if (err_open) drain(err_read.get(), result.err);
  if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  result.leftovers = collect_leftovers(pid);
  return result;
}

}  // namespace pyproc::harness

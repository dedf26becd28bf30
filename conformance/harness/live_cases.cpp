#include "live_cases.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "process_tree.hpp"
#include "programs.hpp"

extern char** environ;

namespace pyproc::harness {
namespace {

using Clock = std::chrono::steady_clock;

const int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

}  // namespace

LiveCases& LiveCases::instance() {
  static LiveCases cases;
  return cases;
}

void LiveCases::remove(const LiveCase* live) { std::erase(cases_, live); }

std::vector<pid_t> LiveCases::wardens() const {
  std::vector<pid_t> pids;
  for (const auto* live : cases_) pids.push_back(live->warden);
  return pids;
}

void LiveCases::end_all() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  std::vector<pollfd> ending;
  for (const auto* live : cases_) {
    if (!live->namespaced) kill_all_below(live->warden, deadline);
    ::syscall(SYS_pidfd_send_signal, live->warden_pidfd, SIGKILL, nullptr, 0);
    ending.push_back({live->warden_pidfd, POLLIN, 0});
  }
  // A namespace is empty once its pid 1 has ended: wait for that, bounded.
  while (!ending.empty()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0 || ::poll(ending.data(), ending.size(), static_cast<int>(left)) < 0) break;
    std::erase_if(ending, [](const pollfd& fd) { return fd.revents != 0; });
  }
  // The runner dies of the signal next: no destructor will remove them.
  for (const auto* live : cases_) {
    std::error_code ignored;
    if (!live->scratch.empty()) std::filesystem::remove_all(live->scratch, ignored);
  }
}

void LiveCases::tell_sweeper(const std::string& line) {
  std::lock_guard lock(mutex_);
  if (sweeper_ < 0) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attributes, &none);
    // A session of its own: the terminal's Ctrl-C reaches the runner, not it.
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
    const std::string path = warden_path();
    char* argv[] = {const_cast<char*>(path.c_str()), const_cast<char*>("--sweep"), nullptr};
    pid_t pid = -1;
    const int error = ::posix_spawn(&pid, path.c_str(), &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    ::close(fds[0]);
    if (error != 0) {
      ::close(fds[1]);
      sweeper_ = 0;  // not again; the scratch directories of a killed runner stay
      return;
    }
    sweeper_ = pid;
    sweeper_channel_ = fds[1];
  }
  if (sweeper_channel_ >= 0)
    (void)!::send(sweeper_channel_, line.data(), line.size(), MSG_NOSIGNAL);
}

void LiveCases::scratch_made(const std::string& path) { tell_sweeper("+" + path + "\n"); }
void LiveCases::scratch_removed(const std::string& path) { tell_sweeper("-" + path + "\n"); }

void end_cases_on_interrupt() {
  sigset_t stop;
  sigemptyset(&stop);
  for (int sig : kStopSignals) sigaddset(&stop, sig);
  ::pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  std::thread([stop] {
    int sig = 0;
    while (::sigwait(&stop, &sig) != 0) {
    }
    LiveCases::instance().end_all();
    // Die of the signal itself, so that the caller sees the usual status.
    ::signal(sig, SIG_DFL);
    sigset_t just_this;
    sigemptyset(&just_this);
    sigaddset(&just_this, sig);
    ::pthread_sigmask(SIG_UNBLOCK, &just_this, nullptr);
    ::raise(sig);
    ::_exit(128 + sig);  // not reached unless the signal was caught elsewhere
  }).detach();
}

}  // namespace pyproc::harness

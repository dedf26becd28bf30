#include "live_cases.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "process_tree.hpp"

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
}

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

#include "process_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

namespace pyproc::harness {
namespace {

using Clock = std::chrono::steady_clock;

// One /proc/<pid>/stat: "pid (comm) state ppid ...". comm may hold spaces and
// parentheses, so the fields after it are found from the last ')'.
bool read_stat(pid_t pid, ProcessEntry& entry) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // it ended meanwhile
  char text[1024];
  ssize_t n;
  do {
    n = ::read(fd, text, sizeof text - 1);
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n <= 0) return false;
  text[n] = '\0';
  const char* close_paren = std::strrchr(text, ')');
  if (!close_paren) return false;
  char state = '?';
  int parent = 0;
  if (std::sscanf(close_paren + 1, " %c %d", &state, &parent) != 2) return false;
  entry = {pid, static_cast<pid_t>(parent), state};
  return true;
}

std::vector<ProcessEntry> scan_proc() {
  std::vector<ProcessEntry> all;
  DIR* dir = ::opendir("/proc");
  if (!dir) return all;
  while (const dirent* item = ::readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(item->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    ProcessEntry entry;
    if (read_stat(static_cast<pid_t>(pid), entry)) all.push_back(entry);
  }
  ::closedir(dir);
  return all;
}

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

int pidfd_kill(int pidfd) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0));
}

}  // namespace

std::vector<ProcessEntry> processes_below(pid_t root, const std::vector<pid_t>& excluded) {
  const auto all = scan_proc();
  std::multimap<pid_t, const ProcessEntry*> children;
  for (const auto& entry : all) children.emplace(entry.parent, &entry);
  std::vector<ProcessEntry> below;
  std::vector<pid_t> todo{root};
  std::set<pid_t> seen{root};  // a scan is not atomic: never loop on a stale parent link
  while (!todo.empty()) {
    const pid_t parent = todo.back();
    todo.pop_back();
    auto [first, last] = children.equal_range(parent);
    for (auto it = first; it != last; ++it) {
      const ProcessEntry& child = *it->second;
      if (std::find(excluded.begin(), excluded.end(), child.pid) != excluded.end()) continue;
      if (!seen.insert(child.pid).second) continue;
      below.push_back(child);
      todo.push_back(child.pid);
    }
  }
  return below;
}

std::vector<ProcessEntry> running_below(pid_t root, const std::vector<pid_t>& excluded) {
  auto below = processes_below(root, excluded);
  std::erase_if(below, [](const ProcessEntry& entry) { return entry.ended(); });
  return below;
}

bool kill_all_below(pid_t root, Clock::time_point deadline, const std::vector<pid_t>& excluded) {
  for (;;) {
    const auto below = processes_below(root, excluded);
    std::set<pid_t> members{root};
    for (const auto& entry : below) members.insert(entry.pid);
    std::vector<ProcessEntry> signalled;
    for (const auto& entry : below) {
      if (entry.ended()) continue;
      const int pidfd = pidfd_open(entry.pid);
      if (pidfd < 0) continue;  // it ended meanwhile
      // The pidfd pins one process; if the pid was reused after the scan, the
      // process it names now has a parent outside the tree.
      ProcessEntry now;
      if (read_stat(entry.pid, now) && members.count(now.parent) && pidfd_kill(pidfd) == 0)
        signalled.push_back(entry);
      ::close(pidfd);
    }
    if (signalled.empty() && running_below(root, excluded).empty()) return true;
    if (Clock::now() >= deadline) return false;
    // Let this round die before the next scan, rather than spinning on
    // processes that have been signalled but have not ended yet.
    wait_until_ended(signalled, std::min(deadline, Clock::now() + std::chrono::seconds(1)));
  }
}

std::vector<ProcessEntry> wait_until_ended(const std::vector<ProcessEntry>& processes,
                                           Clock::time_point deadline) {
  std::vector<ProcessEntry> running;
  std::vector<pollfd> pidfds;
  for (const auto& entry : processes) {
    const int pidfd = pidfd_open(entry.pid);
    if (pidfd < 0) continue;  // already gone
    running.push_back(entry);
    pidfds.push_back({pidfd, POLLIN, 0});
  }
  while (!running.empty()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    const int ready =
        ::poll(pidfds.data(), pidfds.size(), static_cast<int>(std::min<long long>(left, 60'000)));
    if (ready < 0 && errno != EINTR) break;
    for (size_t i = pidfds.size(); i-- > 0;) {
      if (!pidfds[i].revents) continue;
      ::close(pidfds[i].fd);
      pidfds.erase(pidfds.begin() + static_cast<std::ptrdiff_t>(i));
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  for (const auto& fd : pidfds) ::close(fd.fd);
  return running;
}

}  // namespace pyproc::harness

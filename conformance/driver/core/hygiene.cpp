#include "core/hygiene.hpp"

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

namespace pyproc::driver {

std::set<int> open_fds() {
  std::set<int> fds;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return fds;
  const int own = ::dirfd(dir);
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const int fd = std::atoi(entry->d_name);
    if (fd != own) fds.insert(fd);
  }
  ::closedir(dir);
  return fds;
}

std::vector<std::string> leaks_since(const std::set<int>& fds_before) {
  std::vector<std::string> leaks;
  for (int fd : open_fds()) {
    if (fds_before.count(fd)) continue;
    char target[PATH_MAX] = {};
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    const ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
    leaks.push_back("fd " + std::to_string(fd) + " left open (" + (n > 0 ? target : "?") + ")");
  }
  // WNOWAIT: look at a finished child without reaping it — the driver must
  // not hide the very thing it reports.
  siginfo_t info{};
  if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0)
    leaks.push_back("child " + std::to_string(info.si_pid) + " ended but was never reaped");
  return leaks;
}

}  // namespace pyproc::driver

#include "fds.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "output.hpp"

namespace helper {
namespace {

// What /proc/self/fd/N links to starts with "pipe:", "socket:" or
// "anon_inode:" for the objects that have no path.
std::string link_target(int fd) {
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  char buf[4096];
  const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
  return n < 0 ? std::string() : std::string(buf, static_cast<std::size_t>(n));
}

std::string kind_of(int fd) {
  const std::string target = link_target(fd);
  // anon_inode:[pidfd], anon_inode:[eventfd], anon_inode:inotify ...
  if (target.rfind("anon_inode:", 0) == 0) {
    std::string name = target.substr(11);
    name.erase(std::remove(name.begin(), name.end(), '['), name.end());
    name.erase(std::remove(name.begin(), name.end(), ']'), name.end());
    return "anon:" + name;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) return "other";
  if (S_ISFIFO(st.st_mode)) return target.rfind("pipe:", 0) == 0 ? "pipe" : "fifo";
  if (S_ISSOCK(st.st_mode)) return "socket";
  if (S_ISREG(st.st_mode)) return "file";
  if (S_ISDIR(st.st_mode)) return "dir";
  if (S_ISCHR(st.st_mode)) return ::isatty(fd) ? "tty" : "chr";
  if (S_ISBLK(st.st_mode)) return "block";
  return "other";
}

}  // namespace

void print_fd(int fd) {
  const bool open = ::fcntl(fd, F_GETFD) != -1;
  write_line(1, "fd " + std::to_string(fd) + " " + (open ? kind_of(fd) : "closed"));
}

void print_open_fds() {
  std::vector<int> fds;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return;
  const int own = ::dirfd(dir);
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const int fd = std::atoi(entry->d_name);
    if (fd > 2 && fd != own) fds.push_back(fd);
  }
  ::closedir(dir);
  std::sort(fds.begin(), fds.end());
  write_line(1, "fds " + std::to_string(fds.size()));
  for (const int fd : fds) write_line(1, "fd " + std::to_string(fd) + " " + kind_of(fd));
}

}  // namespace helper

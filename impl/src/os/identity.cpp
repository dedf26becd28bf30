// os.getpid() ... os.chdir() (Modules/posixmodule.c).
#include "pyproc/os/identity.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/syscalls.hpp"
#include "os/argv.hpp"
#include "pyproc/exceptions.hpp"

namespace pyproc::os {
namespace {

pyproc::detail::Syscalls& sys() { return pyproc::detail::syscalls(); }

// posix_error(): the OSError subclass of errno, naming no file.
pid_t checked(pid_t result) {
  if (result < 0) raise_os_error(errno);
  return result;
}

}  // namespace

// The seam's getpid() (a cache that every fork() refreshes), as pyproc's own.
pid_t getpid() { return sys().getpid(); }
pid_t getppid() { return ::getppid(); }
pid_t getpgrp() { return ::getpgrp(); }

pid_t getpgid(pid_t pid) { return checked(sys().getpgid(pid)); }
pid_t getsid(pid_t pid) { return checked(sys().getsid(pid)); }
void setpgid(pid_t pid, pid_t pgrp) { checked(sys().setpgid(pid, pgrp)); }
void setsid() { checked(sys().setsid()); }

// posix_getcwd(): a buffer 1024 bytes larger each time getcwd() says ERANGE.
std::string getcwd() {
  std::string buf;
  const char* cwd = nullptr;
  do {
    buf.resize(buf.size() + 1024);
    cwd = sys().getcwd(buf.data(), buf.size());
  } while (cwd == nullptr && errno == ERANGE);
  if (cwd == nullptr) raise_os_error(errno);
  buf.resize(buf.find('\0'));
  return buf;
}

// path_converter's NUL check, then path_error(): the name as repr(str).
void chdir(const std::string& path) {
  detail::check_no_nul(path);
  if (sys().chdir(path.c_str()) != 0) raise_os_error_for_file(errno, path);
}

uid_t getuid() { return ::getuid(); }
uid_t geteuid() { return ::geteuid(); }
gid_t getgid() { return ::getgid(); }
gid_t getegid() { return ::getegid(); }

}  // namespace pyproc::os

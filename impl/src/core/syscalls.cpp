// The real system calls behind the seam.
#include "core/syscalls.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>

#if defined(__SANITIZE_THREAD__)
// NOLINTNEXTLINE(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp): glibc's name
extern "C" int __clone(int (*fn)(void*), void* stack, int flags, void* arg, ...);
#endif

namespace pyproc::detail {

pid_t Syscalls::clone_vfork(int (*child)(void*), void* stack_top, void* arg) {
#if defined(__SANITIZE_THREAD__)
  // ThreadSanitizer's clone() interceptor takes every child for a forked
  // process and resets the sanitizer's state in it: with CLONE_VM that state
  // is the parent's (other threads forgotten, "multi-threaded fork" set).
  // glibc's __clone is the same function, not intercepted.
  return ::__clone(child, stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
#else
  return ::clone(child, stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
#endif
}
pid_t Syscalls::wait4(pid_t pid, int* status, int options, struct rusage* usage) {
  return ::wait4(pid, status, options, usage);
}
ssize_t Syscalls::read(int fd, void* buf, std::size_t count) { return ::read(fd, buf, count); }
int Syscalls::killpg(pid_t pgid, int sig) { return ::killpg(pgid, sig); }
int Syscalls::nice(int increment) { return ::nice(increment); }
clock_t Syscalls::times(struct tms* buf) { return ::times(buf); }
// glibc's openpty() opens both ends without O_CLOEXEC. Here the master is
// opened with it, and the slave is the master's own peer (TIOCGPTPEER, Linux
// 4.13: no path lookup that another terminal could race), opened with it too.
int Syscalls::openpty(int* master, int* slave) {
  const int m = ::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0) return -1;
  const int s = ::unlockpt(m) == 0 ? ::ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
  if (s < 0) {
    const int saved_errno = errno;
    ::close(m);
    errno = saved_errno;
    return -1;
  }
  *master = m;
  *slave = s;
  return 0;
}
pid_t Syscalls::getpgid(pid_t pid) { return ::getpgid(pid); }
pid_t Syscalls::getsid(pid_t pid) { return ::getsid(pid); }
int Syscalls::setpgid(pid_t pid, pid_t pgrp) { return ::setpgid(pid, pgrp); }
pid_t Syscalls::setsid() { return ::setsid(); }
char* Syscalls::getcwd(char* buf, std::size_t size) { return ::getcwd(buf, size); }
int Syscalls::chdir(const char* path) { return ::chdir(path); }

namespace {

// getpid() without a system call. glibc dropped its own cache (2.25) because
// raw clone() calls could make it stale; here a pthread_atfork child handler
// refreshes it in every child of fork() (how every pyproc child, and any
// child that may go on to use pyproc, begins). vfork() and posix_spawn()
// children only exec; a raw clone() child that calls into pyproc is not
// supported (spec/cpp-thread-contract.md).
std::atomic<pid_t> cached_pid{0};

pid_t cached_getpid() {
  const pid_t cached = cached_pid.load(std::memory_order_relaxed);
  if (cached != 0) return cached;
  // Registered before the first store, so no fork() after the store can skip it.
  static const bool registered = [] {
    return ::pthread_atfork(nullptr, nullptr,
                            [] { cached_pid.store(::getpid(), std::memory_order_relaxed); }) == 0;
  }();
  const pid_t pid = ::getpid();
  if (registered) cached_pid.store(pid, std::memory_order_relaxed);
  return pid;
}

class RealSyscalls final : public Syscalls {
 public:
  pid_t fork() override { return ::fork(); }
  // Through syscall(2): glibc only gained a pidfd_open() wrapper in 2.36.
  int pidfd_open(pid_t pid, unsigned int flags) override {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, flags));
  }
  int pipe2(int fds[2], int flags) override { return ::pipe2(fds, flags); }
  pid_t waitpid(pid_t pid, int* status, int options) override {
    return ::waitpid(pid, status, options);
  }
  int waitid(idtype_t idtype, id_t id, siginfo_t* info, int options) override {
    return ::waitid(idtype, id, info, options);
  }
  int kill(pid_t pid, int sig) override { return ::kill(pid, sig); }
  // Through syscall(2) as well (no glibc wrapper before 2.36).
  int pidfd_send_signal(int pidfd, int sig) override {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
  }
  int poll(struct pollfd* fds, nfds_t nfds, int timeout_ms) override {
    return ::poll(fds, nfds, timeout_ms);
  }
  ssize_t write(int fd, const void* buf, std::size_t count) override {
    return ::write(fd, buf, count);
  }
  int close(int fd) override { return ::close(fd); }
  pid_t getpid() override { return cached_getpid(); }
};

constinit RealSyscalls real;
constinit Syscalls* current = &real;

}  // namespace

Syscalls& syscalls() { return *current; }
Syscalls& real_syscalls() { return real; }
void set_syscalls(Syscalls* replacement) {
  Syscalls* const wanted = replacement ? replacement : &real;
  // Every forked child calls this; not writing an unchanged pointer spares it
  // a copy-on-write fault.
  if (current != wanted) current = wanted;
}

}  // namespace pyproc::detail

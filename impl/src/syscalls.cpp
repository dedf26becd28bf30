// The real system calls behind the seam.
#include "syscalls.hpp"

#include <sched.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace pyproc::detail {

pid_t Syscalls::clone_vfork(int (*child)(void*), void* stack_top, void* arg) {
  return ::clone(child, stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
}
int Syscalls::waitid(idtype_t idtype, id_t id, siginfo_t* info, int options) {
  return ::waitid(idtype, id, info, options);
}
pid_t Syscalls::wait4(pid_t pid, int* status, int options, struct rusage* usage) {
  return ::wait4(pid, status, options, usage);
}
ssize_t Syscalls::read(int fd, void* buf, std::size_t count) { return ::read(fd, buf, count); }
int Syscalls::killpg(pid_t pgid, int sig) { return ::killpg(pgid, sig); }
int Syscalls::nice(int increment) { return ::nice(increment); }
clock_t Syscalls::times(struct tms* buf) { return ::times(buf); }

namespace {

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
  int kill(pid_t pid, int sig) override { return ::kill(pid, sig); }
  int poll(struct pollfd* fds, nfds_t nfds, int timeout_ms) override {
    return ::poll(fds, nfds, timeout_ms);
  }
  ssize_t write(int fd, const void* buf, std::size_t count) override {
    return ::write(fd, buf, count);
  }
  int close(int fd) override { return ::close(fd); }
  pid_t getpid() override { return ::getpid(); }
};

constinit RealSyscalls real;
constinit Syscalls* current = &real;

}  // namespace

Syscalls& syscalls() { return *current; }
Syscalls& real_syscalls() { return real; }
void set_syscalls(Syscalls* replacement) { current = replacement ? replacement : &real; }

}  // namespace pyproc::detail

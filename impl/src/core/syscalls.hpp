// The seam between pyproc and the kernel: every system call whose failure the
// parent side of pyproc must handle goes through detail::syscalls(), so unit
// tests can swap in a GoogleMock that fails with EAGAIN, EMFILE, EINTR, ESRCH
// or ECHILD on demand.
//
// Conventions are the raw system calls': -1 with errno set on failure. No
// method retries EINTR; the callers decide, because CPython's rules differ per
// call (PEP 475).
//
// Hazard: the seam is for the parent side only. A forked child switches back to
// the real system calls before it runs anything (see Popen::launch): a mock's
// expectations belong to the test in the parent, and gmock's bookkeeping is
// not something to touch between fork and the child's run().
#pragma once

#include <poll.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <cstddef>

namespace pyproc::detail {

class Syscalls {
 public:
  virtual pid_t fork() = 0;
  // Always O_CLOEXEC (a kernel guarantee for pidfds).
  virtual int pidfd_open(pid_t pid, unsigned int flags) = 0;
  virtual int pipe2(int fds[2], int flags) = 0;
  virtual pid_t waitpid(pid_t pid, int* status, int options) = 0;
  // pyproc::Process looks with WNOWAIT and reaps with P_PIDFD, never by
  // pid; pyproc::os::waitid() passes the caller's options.
  virtual int waitid(idtype_t idtype, id_t id, siginfo_t* info, int options) = 0;
  virtual int kill(pid_t pid, int sig) = 0;
  // pidfd_send_signal(pidfd, sig, NULL, 0).
  virtual int pidfd_send_signal(int pidfd, int sig) = 0;
  virtual int poll(struct pollfd* fds, nfds_t nfds, int timeout_ms) = 0;
  virtual ssize_t write(int fd, const void* buf, std::size_t count) = 0;
  virtual int close(int fd) = 0;
  // The real one answers from a cache that every fork() refreshes (see
  // syscalls.cpp): is_alive() asks on every call.
  virtual pid_t getpid() = 0;

  // Added for pyproc::os. They have bodies (the real call, in syscalls.cpp)
  // rather than being pure, so that a mock written before them stays
  // complete; a mock that wants to fail one overrides it.
  //
  // clone(CLONE_VM | CLONE_VFORK | SIGCHLD) running child(arg) on the stack
  // ending at stack_top: the launch of every program pyproc::os starts.
  virtual pid_t clone_vfork(int (*child)(void*), void* stack_top, void* arg);
  virtual pid_t wait4(pid_t pid, int* status, int options, struct rusage* usage);
  virtual ssize_t read(int fd, void* buf, std::size_t count);
  virtual int killpg(pid_t pgid, int sig);
  // nice(3): -1 with errno set on failure, but -1 is also a valid niceness,
  // so callers clear errno first (as CPython's os.nice does).
  virtual int nice(int increment);
  virtual clock_t times(struct tms* buf);
  // Added for os::forkpty() and the process basics (pyproc/os/identity.hpp).
  // openpty(3), but both fds O_CLOEXEC: 0, or -1 with errno and no fd open.
  virtual int openpty(int* master, int* slave);
  virtual pid_t getpgid(pid_t pid);
  virtual pid_t getsid(pid_t pid);
  virtual int setpgid(pid_t pid, pid_t pgrp);
  virtual pid_t setsid();
  virtual char* getcwd(char* buf, std::size_t size);
  virtual int chdir(const char* path);

 protected:
  // Never deleted through this interface: the seam owns no implementation
  // (set_syscalls() does not take ownership), so no virtual destructor.
  ~Syscalls() = default;
};

// The implementation in use: the real one unless a test installed another.
Syscalls& syscalls();
// The real system calls (what a mock delegates to by default).
Syscalls& real_syscalls();
// Installs `replacement` (not owned; nullptr restores the real calls).
// Not thread-safe: tests call it while no other thread uses pyproc.
void set_syscalls(Syscalls* replacement);

}  // namespace pyproc::detail

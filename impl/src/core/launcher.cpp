// The vfork-style launch: clone(CLONE_VM | CLONE_VFORK) on a stack of its own.
//
// The child shares this process's memory until it execs or exits, and the
// calling thread is suspended meanwhile (CLONE_VFORK), so nothing is copied
// and the cost does not grow with the parent's memory. Hazards, handled as
// glibc's posix_spawn handles them:
// * A signal handler must not run in the child: it would run parent code on
//   shared memory. Every signal is blocked around the clone; the child resets
//   each caught signal to SIG_DFL (its handler table is its own copy: no
//   CLONE_SIGHAND) before restoring the caller's mask for the new program.
// * The child may only make raw system calls on data prepared here: no
//   allocation, no locks, no exceptions. Its fd table is its own copy (no
//   CLONE_FILES), so closing and dup2() there do not touch the parent's.
// * The child reports a failed exec by writing its errno into `ChildContext`,
//   which the parent reads once the clone returns (the child has exec'ed or
//   exited by then).
#include "core/launcher.hpp"

#include <fcntl.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#include "core/syscalls.hpp"

namespace pyproc::detail {
namespace {

// Enough for the child's few frames, sanitizer builds included; only the pages
// it touches are ever allocated.
constexpr std::size_t kStackSize = std::size_t{256} * 1024;

struct ChildContext {
  const LaunchPlan* plan;
  const sigset_t* caller_mask;
  int exec_errno = 0;  // written by the child
  std::size_t exec_index = 0;
  bool before_exec = false;
};

// The child makes its system calls directly (syscall(2)) where sanitizers
// intercept libc's wrappers (sigaction, dup2, close, pthread_sigmask, _exit):
// an interceptor updates the sanitizer's bookkeeping (fds, signal handlers,
// the end-of-process report), which the child shares with the parent
// (CLONE_VM), as if the parent had made the call, and it may wait there on a
// lock a thread of the parent holds (a deadlock seen under ThreadSanitizer).
// glibc's posix_spawn makes internal calls for the same reason.

// The kernel's struct sigaction (the generic layout: x86-64, arm64, ...).
struct KernelSigaction {
  void (*handler)(int) = SIG_DFL;
  unsigned long flags = 0;
  void (*restorer)() = nullptr;
  std::uint64_t mask = 0;
};

int child_sigaction(int sig, const KernelSigaction* action, KernelSigaction* old) noexcept {
  return static_cast<int>(::syscall(SYS_rt_sigaction, sig, action, old, sizeof(std::uint64_t)));
}

// Caught signals go back to SIG_DFL (ignored ones stay ignored, as across
// exec); with `default_sigpipe`, SIGPIPE and SIGXFSZ go back to SIG_DFL too.
// glibc's own signals (32, 33) are reset too when caught, as its
// posix_spawn resets them: they are blocked until the exec, which would
// reset them anyway.
void reset_signals(bool default_sigpipe) noexcept {
  const KernelSigaction default_action;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    KernelSigaction current;
    if (child_sigaction(sig, nullptr, &current) != 0) continue;
    const bool caught = current.handler != SIG_DFL && current.handler != SIG_IGN;
    const bool restored = default_sigpipe && (sig == SIGPIPE || sig == SIGXFSZ);
    if (caught || restored) child_sigaction(sig, &default_action, nullptr);
  }
}

// _exit().
[[noreturn]] void child_exit(int status) noexcept {
  for (;;) ::syscall(SYS_exit_group, status);
}

// `fd` becomes `target`, inheritable across exec (dup3 is dup2 for two
// different fds).
bool move_fd(int fd, int target) noexcept {
  if (fd == target) return ::fcntl(fd, F_SETFD, 0) == 0;
  return ::syscall(SYS_dup3, fd, target, 0) == target;
}

void close_fds_above_2() noexcept {
  if (::syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
  // Linux < 5.9: close them one by one, up to the fd limit.
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  for (rlim_t fd = 3; fd < limit.rlim_cur; ++fd) ::syscall(SYS_close, static_cast<int>(fd));
}

[[noreturn]] void child_exit_with(ChildContext& context, int error, std::size_t index) noexcept {
  context.exec_errno = error;
  context.exec_index = index;
  child_exit(127);
}

[[noreturn]] void child_exit_before_exec(ChildContext& context) noexcept {
  context.before_exec = true;
  child_exit_with(context, errno, 0);
}

// The child's fds 0-2 from the plan, as _posixsubprocess arranges them: an fd
// that an earlier dup2() would overwrite (stdout_to 0, stderr_to 0 or 1) is
// first copied out of the way (bpo-12607); false with errno set on failure.
bool arrange_stdio(const LaunchPlan& plan) noexcept {
  int out = plan.stdout_to;
  int err = plan.stderr_to;
  if (out == 0 && (out = ::fcntl(out, F_DUPFD_CLOEXEC, 3)) < 0) return false;
  if ((err == 0 || err == 1) && (err = ::fcntl(err, F_DUPFD_CLOEXEC, 3)) < 0) return false;
  return (plan.stdin_from < 0 || move_fd(plan.stdin_from, STDIN_FILENO)) &&
         (out < 0 || move_fd(out, STDOUT_FILENO)) && (err < 0 || move_fd(err, STDERR_FILENO));
}

int child_main(void* raw) {
  ChildContext& context = *static_cast<ChildContext*>(raw);
  const LaunchPlan& plan = *context.plan;
  reset_signals(plan.default_sigpipe);
  if (!arrange_stdio(plan)) child_exit_before_exec(context);
  if (plan.cwd != nullptr && ::chdir(plan.cwd) != 0) child_exit_before_exec(context);
  if (plan.close_other_fds) close_fds_above_2();
  // The kernel's sigset is the first 64 bits of glibc's.
  ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, context.caller_mask, nullptr, sizeof(std::uint64_t));
  if (plan.exit_127_at_once) child_exit(127);
  const ExecFailure failure = exec_each(plan.programs, plan.program_count, plan.argv, plan.envp);
  child_exit_with(context, failure.error, failure.index);
}

}  // namespace

LaunchResult launch(const LaunchPlan& plan) noexcept {
  LaunchResult result;
  void* stack = ::mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    result.launch_errno = errno;
    return result;
  }
  sigset_t all;
  sigset_t caller_mask;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &caller_mask);
  ChildContext context{&plan, &caller_mask};
  // The stack grows down on every architecture Linux runs this on.
  result.pid =
      syscalls().clone_vfork(&child_main, static_cast<char*>(stack) + kStackSize, &context);
  const int clone_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &caller_mask, nullptr);
#if defined(__SANITIZE_ADDRESS__)
  // The child's frames end in exec or exit, never returning: AddressSanitizer
  // would keep their redzones poisoned, and whatever is mapped here next
  // (a pipe's read buffer) would look like a stack.
  __asan_unpoison_memory_region(stack, kStackSize);
#endif
  ::munmap(stack, kStackSize);
  if (result.pid < 0) {
    result.launch_errno = clone_errno;
    return result;
  }
  result.exec_errno = context.exec_errno;
  result.exec_index = context.exec_index;
  result.before_exec = context.before_exec;
  return result;
}

ExecFailure exec_each(const char* const* programs, std::size_t count, char* const* argv,
                      char* const* envp) noexcept {
  ExecFailure saved;
  ExecFailure last;
  for (std::size_t i = 0; i < count; ++i) {
    ::execve(programs[i], argv, envp);
    last = {errno, i};
    if (saved.error == 0 && last.error != ENOENT && last.error != ENOTDIR) saved = last;
  }
  return saved.error != 0 ? saved : last;
}

}  // namespace pyproc::detail

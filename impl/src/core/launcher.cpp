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

#include <algorithm>
#include <cerrno>
#include <cstdint>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#include "core/at_fork.hpp"
#include "core/syscalls.hpp"

namespace pyproc::detail {
namespace {

// Enough for the child's few frames, sanitizer builds included; only the pages
// it touches are ever allocated.
constexpr std::size_t kStackSize = std::size_t{256} * 1024;

// What the child reports. With the vfork-style clone the parent reads it
// from the shared memory; a forked child (preexec) writes it to report_fd.
struct ChildReport {
  int exec_errno = 0;
  std::size_t exec_index = 0;
  bool before_exec = false;
  bool preexec_failed = false;
};

struct ChildContext {
  const LaunchPlan* plan;
  const sigset_t* caller_mask;
  ChildReport report;  // written by the child
  int report_fd = -1;  // a forked child's end of the report pipe
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

// Closes the fds from `low` to `high` (inclusive).
void close_between(unsigned low, unsigned high) noexcept {
  if (low > high) return;
  if (::syscall(SYS_close_range, low, high, 0U) == 0) return;
  // Linux < 5.9: close them one by one, up to the fd limit.
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t last = std::min<rlim_t>(high, limit.rlim_cur - 1);
  for (rlim_t fd = low; fd <= last; ++fd) ::syscall(SYS_close, static_cast<int>(fd));
}

// Every fd above 2 but the plan's keep_fds and `also_keep` (-1: none).
void close_fds_above_2(const LaunchPlan& plan, int also_keep) noexcept {
  unsigned low = 3;
  std::size_t k = 0;
  for (;;) {
    // The next fd to keep, in order, from the sorted list and also_keep.
    int next = -1;
    while (k < plan.keep_fd_count && plan.keep_fds[k] < static_cast<int>(low)) ++k;
    if (k < plan.keep_fd_count) next = plan.keep_fds[k];
    if (also_keep >= static_cast<int>(low) && (next < 0 || also_keep < next)) next = also_keep;
    if (next < 0) break;
    close_between(low, static_cast<unsigned>(next) - 1);
    low = static_cast<unsigned>(next) + 1;
  }
  close_between(low, ~0U);
}

[[noreturn]] void child_exit_with(ChildContext& context, int error, std::size_t index) noexcept {
  context.report.exec_errno = error;
  context.report.exec_index = index;
  if (context.report_fd >= 0) {
    // One write of a few bytes to a pipe: whole or nothing.
    ::syscall(SYS_write, context.report_fd, &context.report, sizeof context.report);
  }
  child_exit(127);
}

[[noreturn]] void child_exit_before_exec(ChildContext& context) noexcept {
  context.report.before_exec = true;
  child_exit_with(context, errno, 0);
}

// The fds of pass_fds, inheritable (they are kept across the exec).
bool make_kept_fds_inheritable(const LaunchPlan& plan) noexcept {
  for (std::size_t i = 0; i < plan.keep_fd_count; ++i) {
    if (::fcntl(plan.keep_fds[i], F_SETFD, 0) != 0) return false;
  }
  return true;
}

// umask, session, process group, groups and ids, as _posixsubprocess sets
// them. Raw system calls: glibc's setreuid() and friends would signal every
// thread of the parent (its setxid broadcast), with which a vfork-style
// child shares its memory; the kernel's change only the calling process.
bool set_up_identity(const LaunchPlan& plan) noexcept {
  if (plan.umask >= 0) ::syscall(SYS_umask, plan.umask);  // never fails
  if (plan.new_session && ::syscall(SYS_setsid) < 0) return false;
  if (plan.process_group >= 0 && ::syscall(SYS_setpgid, 0, plan.process_group) != 0) return false;
  if (plan.set_groups && ::syscall(SYS_setgroups, plan.group_count, plan.groups) != 0) return false;
  if (plan.gid != static_cast<gid_t>(-1) && ::syscall(SYS_setregid, plan.gid, plan.gid) != 0)
    return false;
  if (plan.uid != static_cast<uid_t>(-1) && ::syscall(SYS_setreuid, plan.uid, plan.uid) != 0)
    return false;
  return true;
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
  const KernelSigaction default_action;
  for (std::size_t i = 0; i < plan.default_signal_count; ++i) {
    child_sigaction(plan.default_signals[i], &default_action, nullptr);
  }
  if (!make_kept_fds_inheritable(plan)) child_exit_before_exec(context);
  if (!arrange_stdio(plan)) child_exit_before_exec(context);
  if (plan.cwd != nullptr && ::chdir(plan.cwd) != 0) child_exit_before_exec(context);
  if (!set_up_identity(plan)) child_exit_before_exec(context);
  if (plan.preexec != nullptr && !plan.preexec(plan.preexec_arg)) {
    context.report.preexec_failed = true;
    child_exit_with(context, 0, 0);
  }
  if (plan.close_other_fds) close_fds_above_2(plan, context.report_fd);
  // The kernel's sigset is the first 64 bits of glibc's.
  const sigset_t* mask = plan.child_mask != nullptr ? plan.child_mask : context.caller_mask;
  ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, mask, nullptr, sizeof(std::uint64_t));
  if (plan.exit_127_at_once) child_exit(127);
  const ExecFailure failure = exec_each(plan.programs, plan.program_count, plan.argv, plan.envp);
  child_exit_with(context, failure.error, failure.index);
}

// The launch of a plan with a preexec: a real fork, whose child reports a
// failure through a pipe (closed on exec: end of file means it exec'ed).
LaunchResult launch_forked(const LaunchPlan& plan) noexcept {
  LaunchResult result;
  int report[2];
  if (syscalls().pipe2(report, O_CLOEXEC) != 0) {
    result.launch_errno = errno;
    return result;
  }
  // A fork of the process, as CPython's with a preexec_fn: the hooks of
  // os.register_at_fork run around it (PyOS_BeforeFork and friends).
  run_before_fork_hooks();
  sigset_t all;
  sigset_t caller_mask;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &caller_mask);
  result.pid = syscalls().fork();
  if (result.pid == 0) {
    run_after_fork_child_hooks();
    ChildContext context{&plan, &caller_mask, {}, -1};
    context.report_fd = report[1];
    ::syscall(SYS_close, report[0]);
    child_main(&context);
  }
  const int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &caller_mask, nullptr);
  run_after_fork_parent_hooks();
  syscalls().close(report[1]);
  if (result.pid < 0) {
    syscalls().close(report[0]);
    result.launch_errno = fork_errno;
    return result;
  }
  ChildReport child;
  std::size_t got = 0;
  while (got < sizeof child) {
    const ssize_t n =
        syscalls().read(report[0], reinterpret_cast<char*>(&child) + got, sizeof child - got);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  syscalls().close(report[0]);
  if (got == sizeof child) {
    result.exec_errno = child.exec_errno;
    result.exec_index = child.exec_index;
    result.before_exec = child.before_exec;
    result.preexec_failed = child.preexec_failed;
  }
  return result;
}

}  // namespace

LaunchResult launch(const LaunchPlan& plan) noexcept {
  if (plan.preexec != nullptr) return launch_forked(plan);
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
  ChildContext context{&plan, &caller_mask, {}, -1};
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
  result.exec_errno = context.report.exec_errno;
  result.exec_index = context.report.exec_index;
  result.before_exec = context.report.before_exec;
  result.preexec_failed = context.report.preexec_failed;
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

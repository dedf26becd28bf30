// The launcher behind spawn*(), system() and popen(): a vfork-style clone,
// as glibc's posix_spawn and CPython's _posixsubprocess launch.
//
// Why not posix_spawn itself: CPython's results need a child that outlives a
// failed exec. spawn*(P_NOWAIT) of a missing program returns a pid whose
// status is 127 (CPython's forked child runs _exit(127)), and a PATH search
// tries every entry with CPython's error rules; glibc's posix_spawn reaps a
// child whose exec failed and searches with execvp's rules (ENOEXEC -> sh).
#pragma once

#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace pyproc::detail {

// Tries execve(2) on each program in turn, as os._execvpe() does. Returns
// only if every one failed, with the errno CPython raises: the first that is
// not ENOENT/ENOTDIR, else the last; `index` is the program it came from.
// Async-signal-safe (the launcher's child runs it): no allocation, no locks.
struct ExecFailure {
  int error = 0;
  std::size_t index = 0;
};
ExecFailure exec_each(const char* const* programs, std::size_t count, char* const* argv,
                      char* const* envp) noexcept;

// Everything the child does, decided (and allocated) by the parent: the
// child makes raw system calls only.
struct LaunchPlan {
  const char* const* programs = nullptr;  // tried in turn (exec_each)
  std::size_t program_count = 0;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  // Exit 127 without trying to exec: CPython's spawn child when exec*()
  // raised ValueError (a NUL byte, an invalid env name).
  bool exit_127_at_once = false;
  int stdin_from = -1;  // when >= 0, becomes the child's fd 0
  int stdout_to = -1;   // when >= 0, becomes the child's fd 1
  int stderr_to = -1;   // when >= 0, becomes the child's fd 2
  // When set, the child changes into it after the fd set-up (subprocess's
  // cwd, in _posixsubprocess's order).
  const char* cwd = nullptr;
  // subprocess's close_fds=True: every fd above 2 is closed in the child.
  bool close_other_fds = false;
  // subprocess's restore_signals=True: SIGPIPE and SIGXFSZ back to SIG_DFL.
  bool default_sigpipe = false;
  // subprocess's pass_fds: made inheritable first, and kept open by
  // close_other_fds. Sorted.
  const int* keep_fds = nullptr;
  std::size_t keep_fd_count = 0;
  // The rest of subprocess's child set-up, in _posixsubprocess's order after
  // the cwd: umask (when >= 0), setsid(), setpgid(0, process_group) (when
  // >= 0), setgroups() (with set_groups), setregid(gid, gid) and
  // setreuid(uid, uid) (when not -1). A failure there is reported as one
  // before the exec.
  int umask = -1;
  bool new_session = false;
  pid_t process_group = -1;
  bool set_groups = false;
  const gid_t* groups = nullptr;
  std::size_t group_count = 0;
  gid_t gid = static_cast<gid_t>(-1);
  uid_t uid = static_cast<uid_t>(-1);
  // subprocess's preexec_fn: run after all that, before the fds are closed;
  // false when it failed. Given one, the child is a real fork (a copy of
  // this process, which may run any code) instead of the vfork-style clone,
  // and reports through a pipe.
  bool (*preexec)(void* arg) noexcept = nullptr;
  void* preexec_arg = nullptr;
  // system(): signals set to SIG_DFL in the child whatever the caller has
  // now (glibc's posix_spawnattr_setsigdefault), and the mask the child
  // starts its program with in place of the caller's current one.
  const int* default_signals = nullptr;
  std::size_t default_signal_count = 0;
  const sigset_t* child_mask = nullptr;
};

struct LaunchResult {
  pid_t pid = -1;
  // The clone failed (EAGAIN, ENOMEM): no child exists, pid is -1.
  int launch_errno = 0;
  // The child exited 127 without running a program: the errno of the exec
  // (or of the fd set-up) it reports, 0 when it exec'ed (or exited at once
  // as asked). `exec_index` is the program that errno came from.
  int exec_errno = 0;
  std::size_t exec_index = 0;
  // exec_errno came from the fd set-up or the chdir, not from an exec
  // (_posixsubprocess's "noexec": subprocess then names the cwd, not the
  // program).
  bool before_exec = false;
  // preexec returned false: the child exited without an exec.
  bool preexec_failed = false;
};

// Starts the child. Does not wait for it, except while it runs up to its exec
// (CLONE_VFORK). The caller owns the pid and must reap it.
LaunchResult launch(const LaunchPlan& plan) noexcept;

}  // namespace pyproc::detail

// os.spawn*() (Lib/os.py _spawnvef) and os.system() (glibc's system(), which
// CPython calls), on the vfork-style launcher (spawn*() forks instead when an
// after_in_child hook is registered). Only spawn*() runs at-fork hooks, as in
// CPython.
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "core/at_fork.hpp"
#include "core/launcher.hpp"
#include "core/syscalls.hpp"
#include "os/argv.hpp"
#include "pyproc/exceptions.hpp"
#include "pyproc/os/exec.hpp"
#include "pyproc/os/wait.hpp"

namespace pyproc::os {
namespace {

// waitpid(pid, 0) until it succeeds or fails with something but EINTR.
pid_t wait_for(pid_t pid, int& status) {
  pid_t waited;
  do {
    waited = pyproc::detail::syscalls().waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  return waited;
}

// _spawnvef's child is a real os.fork() child: it runs the after_in_child
// hooks, then execs. pyproc's launcher is vfork-style (the child shares the
// parent's memory until it execs) and cannot run them, so when any is
// registered the launch is a fork() like CPython's: the hooks, then each
// program in turn, then _exit(127) as CPython's `except: _exit(127)`.
pyproc::detail::LaunchResult fork_and_exec(const pyproc::detail::LaunchPlan& plan) noexcept {
  pyproc::detail::LaunchResult result;
  result.pid = pyproc::detail::syscalls().fork();
  if (result.pid == 0) {
    pyproc::detail::set_syscalls(nullptr);  // a test's mock belongs to the parent
    pyproc::detail::run_after_fork_child_hooks();
    if (!plan.exit_127_at_once) {
      for (std::size_t i = 0; i < plan.program_count; ++i) {
        ::execve(plan.programs[i], plan.argv, plan.envp);
      }
    }
    ::_exit(127);
  }
  if (result.pid < 0) result.launch_errno = errno;
  return result;
}

// _spawnvef(mode, file, args, env, exec function): the child runs the exec
// function (execv/execve, or execvp/execvpe when `search`) and _exit(127)s if
// it raises; the parent returns the pid or waits.
int spawn(int mode, const std::string& file, const Args& args, const Env* env, bool search) {
  if (args.empty() || args[0].empty()) throw ValueError("argv first element cannot be empty");
  const detail::ProgramCandidates candidates =
      search ? detail::program_candidates(file, detail::path_of(env))
             : detail::ProgramCandidates{{file}, false};
  std::vector<const char*> programs;
  for (const std::string& path : candidates.paths) programs.push_back(path.c_str());
  pyproc::detail::LaunchPlan plan;
  plan.programs = programs.data();
  plan.program_count = programs.size();
  // Where CPython's exec function would raise, the child exits 127 at once
  // (the arrays below are then built but not used).
  plan.exit_127_at_once = detail::exec_would_raise(candidates.paths.front(), args, env);
  const detail::ExecArgv argv(args);
  const detail::ExecEnv envp(env ? *env : Env{});
  plan.argv = argv.get();
  plan.envp = env ? envp.get() : ::environ;

  // _spawnvef's os.fork() runs the before hooks, after_in_child in the child
  // and after_in_parent in the parent.
  pyproc::detail::run_before_fork_hooks();
  const pyproc::detail::LaunchResult launched = pyproc::detail::any_after_fork_child_hook()
                                                    ? fork_and_exec(plan)
                                                    : pyproc::detail::launch(plan);
  pyproc::detail::run_after_fork_parent_hooks();
  if (launched.pid < 0) raise_os_error(launched.launch_errno);  // CPython's fork() raising
  if (mode == p_nowait) return launched.pid;                    // the caller waits
  int status = 0;
  for (;;) {
    if (wait_for(launched.pid, status) < 0) raise_os_error(errno);
    if (!wifstopped(status)) return waitstatus_to_exitcode(status);
  }
}

// The signal state of glibc's system() for one call: SIGINT and SIGQUIT
// ignored while any call of this process runs (a count, as glibc keeps one,
// so that concurrent calls restore them once, after the last), SIGCHLD
// blocked in the calling thread. `defaults` lists the signals the shell must
// get back to SIG_DFL: those the caller did not ignore itself.
class SystemSignals {
 public:
  SystemSignals() {
    {
      const std::lock_guard lock(mutex());
      if (count()++ == 0) {
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigemptyset(&ignore.sa_mask);
        ::sigaction(SIGINT, &ignore, &saved_int());
        ::sigaction(SIGQUIT, &ignore, &saved_quit());
      }
      if (saved_int().sa_handler != SIG_IGN) defaults[default_count++] = SIGINT;
      if (saved_quit().sa_handler != SIG_IGN) defaults[default_count++] = SIGQUIT;
    }
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    ::pthread_sigmask(SIG_BLOCK, &chld, &caller_mask);
  }
  ~SystemSignals() {
    ::pthread_sigmask(SIG_SETMASK, &caller_mask, nullptr);
    const std::lock_guard lock(mutex());
    if (--count() == 0) {
      ::sigaction(SIGINT, &saved_int(), nullptr);
      ::sigaction(SIGQUIT, &saved_quit(), nullptr);
    }
  }
  SystemSignals(const SystemSignals&) = delete;
  SystemSignals& operator=(const SystemSignals&) = delete;

  std::array<int, 2> defaults{};
  std::size_t default_count = 0;
  sigset_t caller_mask{};

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static int& count() {
    static int n = 0;
    return n;
  }
  static struct sigaction& saved_int() {
    static struct sigaction action {};
    return action;
  }
  static struct sigaction& saved_quit() {
    static struct sigaction action {};
    return action;
  }
};

}  // namespace

int spawnv(int mode, const std::string& path, const Args& args) {
  return spawn(mode, path, args, nullptr, false);
}
int spawnve(int mode, const std::string& path, const Args& args, const Env& env) {
  return spawn(mode, path, args, &env, false);
}
int spawnvp(int mode, const std::string& file, const Args& args) {
  return spawn(mode, file, args, nullptr, true);
}
int spawnvpe(int mode, const std::string& file, const Args& args, const Env& env) {
  return spawn(mode, file, args, &env, true);
}

int system(const std::string& command) {
  detail::check_no_nul(command);  // PyUnicode_FSConverter in os_system_impl
  static constexpr const char* kShell[] = {"/bin/sh"};
  const Args args = {"sh", "-c", command};
  const detail::ExecArgv argv(args);
  // glibc's do_system(): SIGINT and SIGQUIT ignored and SIGCHLD blocked in
  // the caller while the shell runs (so that ^C reaches the command, not
  // the caller, and a SIGCHLD handler cannot reap the shell first); the
  // shell starts with the caller's own dispositions and mask.
  const SystemSignals guard;
  pyproc::detail::LaunchPlan plan;
  plan.programs = kShell;
  plan.program_count = 1;
  plan.argv = argv.get();
  plan.envp = ::environ;
  plan.default_signals = guard.defaults.data();
  plan.default_signal_count = guard.default_count;
  plan.child_mask = &guard.caller_mask;
  const pyproc::detail::LaunchResult launched = pyproc::detail::launch(plan);
  // glibc: "failure to execute the shell should return as if the shell had
  // terminated using _exit(127)"; a failed waitpid gives -1.
  if (launched.pid < 0) return 127 << 8;
  int status = 0;
  return wait_for(launched.pid, status) == launched.pid ? status : -1;
}

}  // namespace pyproc::os

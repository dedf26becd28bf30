// Launching programs: os.exec*(), os.spawn*() and os.system(), with CPython
// 3.11's results, exception types and messages.
//
// How programs start. spawn*(), system() and popen() (pyproc/os/popen.hpp) launch
// with clone(CLONE_VM | CLONE_VFORK), the way glibc's posix_spawn and
// CPython's _posixsubprocess (vfork) do: the parent's memory is not copied, so
// the cost does not grow with it. Everything the child needs (argv, envp, the
// PATH candidates) is built before the launch; the child only makes raw
// system calls: it resets caught signals to SIG_DFL (a handler must not run in
// a child that shares the parent's memory), restores the caller's signal mask,
// arranges its fds and execs. No global signal handler is installed, and no
// fd is opened without O_CLOEXEC, so the new program receives exactly the fds
// the caller left inheritable (the C++ counterpart of Python's
// os.set_inheritable(fd, True)) plus those a call asks for (popen's pipe).
//
// Arguments are byte strings (std::string), as os.fsencode() would produce.
// Errors that C++ types rule out (an argument that is not a str, an env that
// is not a mapping) have no counterpart here.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "pyproc/exceptions.hpp"  // IWYU pragma: export
#include "pyproc/os/constants.hpp"

namespace pyproc::os {

// A program's argument list; args[0] is the name the program sees itself as.
using Args = std::vector<std::string>;
// An environment mapping, like os.environ. Python's dict keeps insertion
// order; std::map is sorted. Only which of several invalid names is reported
// can differ.
using Env = std::map<std::string, std::string>;

// ---- exec*: replace the current process. They return only by raising. ----
//
// Checked in CPython's order, before anything is executed:
//   ValueError("embedded null byte")            a NUL in path, an argument, or
//                                               an env name or value
//   ValueError("execv() arg 2 must not be empty")            (execv, execl,
//   ValueError("execv() arg 2 first element cannot be empty") execvp, execlp)
//   ValueError("execve: argv must not be empty")              (execve, execle,
//   ValueError("execve: argv first element cannot be empty")  execvpe, execlpe)
//   ValueError("illegal environment variable name")  an empty name, or '=' in
//                                               it after the first character
// Then the OSError subclass of the execve() errno. The v/l/vp/lp variants
// name no file ("[Errno 2] No such file or directory"); the e variants name
// the path as Python's repr() of it: "...: '/x'", "...: b'/usr/bin/x'" for a
// PATH candidate (CPython searches with bytes), "...: 3" for an fd.
//
// The p variants (execvp, execvpe, execlp, execlpe) search PATH unless the
// file name contains a '/': PATH of the current environment, or of `env` for
// the e variants (CPython's os._execvpe), "/bin:/usr/bin" when unset. Each
// candidate is tried in turn; if all fail, the error raised is the first one
// that is not ENOENT/ENOTDIR, else the last one.
//
// Nothing is flushed (std::cout, stdio): as the Python docs say, flush first.

[[noreturn]] void execv(const std::string& path, const Args& args);
[[noreturn]] void execve(const std::string& path, const Args& args, const Env& env);
// fexecve(): the program is the open file `fd` (os.execve(fd, ...)).
[[noreturn]] void execve(int fd, const Args& args, const Env& env);
[[noreturn]] void execvp(const std::string& file, const Args& args);
[[noreturn]] void execvpe(const std::string& file, const Args& args, const Env& env);

namespace detail {
// (args..., env) -> {Args, Env}: the l-e variants take the env last.
template <typename... T>
std::pair<Args, Env> args_then_env(const T&... items) {
  static_assert(sizeof...(T) >= 1, "the env argument is required");
  const auto all = std::forward_as_tuple(items...);
  constexpr std::size_t n = sizeof...(T) - 1;
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::pair<Args, Env>{Args{std::string(std::get<I>(all))...}, Env(std::get<n>(all))};
  }
  (std::make_index_sequence<n>{});
}
}  // namespace detail

template <typename... A>
[[noreturn]] void execl(const std::string& path, const A&... args) {
  execv(path, Args{std::string(args)...});
}
// execle(path, arg0, arg1, ..., env)
template <typename... A>
[[noreturn]] void execle(const std::string& path, const A&... args_then_env) {
  const auto [args, env] = detail::args_then_env(args_then_env...);
  execve(path, args, env);
}
template <typename... A>
[[noreturn]] void execlp(const std::string& file, const A&... args) {
  execvp(file, Args{std::string(args)...});
}
// execlpe(file, arg0, arg1, ..., env)
template <typename... A>
[[noreturn]] void execlpe(const std::string& file, const A&... args_then_env) {
  const auto [args, env] = detail::args_then_env(args_then_env...);
  execvpe(file, args, env);
}

// ---- spawn*: run a program in a new process (CPython's Lib/os.py). ----
//
// mode p_nowait (== p_nowaito): returns the new process's pid, which the
// caller must wait for. Any other mode waits (p_wait): returns the exit code,
// or -N if signal N killed it; a stop is not an end (waiting goes on).
//
// ValueError("argv first element cannot be empty") when args is empty or
// args[0] is "", raised before anything starts. Every other way the exec can
// fail (no such program, not executable, a NUL byte, an invalid env name)
// ends the child with exit code 127, as CPython's forked child does: p_wait
// returns 127, p_nowait a pid whose status says 127. If the process cannot be
// created at all (EAGAIN, ENOMEM), the OSError subclass is raised. Errors of
// waitpid() (ECHILD when SIGCHLD is ignored) are raised too.
//
// The p variants search PATH as the exec p variants do (the new environment's
// PATH for spawnvpe/spawnlpe).

int spawnv(int mode, const std::string& path, const Args& args);
int spawnve(int mode, const std::string& path, const Args& args, const Env& env);
int spawnvp(int mode, const std::string& file, const Args& args);
int spawnvpe(int mode, const std::string& file, const Args& args, const Env& env);

template <typename... A>
int spawnl(int mode, const std::string& path, const A&... args) {
  return spawnv(mode, path, Args{std::string(args)...});
}
// spawnle(mode, path, arg0, arg1, ..., env)
template <typename... A>
int spawnle(int mode, const std::string& path, const A&... args_then_env) {
  const auto [args, env] = detail::args_then_env(args_then_env...);
  return spawnve(mode, path, args, env);
}
template <typename... A>
int spawnlp(int mode, const std::string& file, const A&... args) {
  return spawnvp(mode, file, Args{std::string(args)...});
}
// spawnlpe(mode, file, arg0, arg1, ..., env)
template <typename... A>
int spawnlpe(int mode, const std::string& file, const A&... args_then_env) {
  const auto [args, env] = detail::args_then_env(args_then_env...);
  return spawnvpe(mode, file, args, env);
}

// ---- system ----
//
// Runs `/bin/sh -c command` (argv[0] "sh", as glibc's system()) and returns
// its wait status (exit 3 -> 768, SIGKILL -> 9, a missing command -> 32512,
// the shell's 127). As glibc's system(): if the shell cannot be started at
// all (exec failure, EAGAIN from clone) the result is 32512, as if it had
// exited with 127; if waiting fails (ECHILD when SIGCHLD is ignored) it is -1.
// Neither raises: CPython returns what C system() returns. ValueError
// ("embedded null byte") for a NUL in `command`. The command writes to this
// process's fd 1 directly; pyproc does not flush std::cout first (nor does
// CPython flush sys.stdout).
//
// Signals are C system()'s (glibc's do_system(), which CPython calls): while
// the command runs, SIGINT and SIGQUIT are ignored by the whole process (a
// count makes concurrent calls restore them once, after the last) and
// SIGCHLD is blocked in the calling thread. So a terminal's Ctrl-C reaches
// the command and not this process (a SIGINT meanwhile is discarded), and a
// SIGCHLD handler cannot reap the shell before system() does. As in C, this
// changes the dispositions for every thread while any system() runs. The
// shell starts with this process's own dispositions of SIGINT and SIGQUIT
// and the caller's signal mask.
//
// spawn*(p_wait) and subprocess's call() change no disposition, in pyproc
// as in CPython: a SIGCHLD handler that reaps every child (waitpid(-1)) can
// steal their child's status (CPython then reports 0 for call(), and
// spawn*() raises ChildProcessError).
int system(const std::string& command);

}  // namespace pyproc::os

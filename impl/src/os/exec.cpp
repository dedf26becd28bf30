// os.exec*(): replace this process (Modules/posixmodule.c os_execv_impl and
// os_execve_impl; Lib/os.py _execvpe for the p variants).
#include "pyproc/os/exec.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "core/launcher.hpp"
#include "os/argv.hpp"
#include "pyproc/exceptions.hpp"
#include "pyproc/py_repr.hpp"

namespace pyproc::os {
namespace {

// _execvpe(file, args, env): the exec function is execve when env is given,
// else execv; the error is raised the way that function raises it.
[[noreturn]] void exec_search(const std::string& file, const Args& args, const Env* env,
                              bool search) {
  const detail::ProgramCandidates candidates =
      search ? detail::program_candidates(file, detail::path_of(env))
             : detail::ProgramCandidates{{file}, false};
  // Every candidate would fail the same checks: the first exec call raises.
  detail::check_no_nul(candidates.paths.front());
  detail::check_argv(args, env ? detail::ExecFlavour::execve : detail::ExecFlavour::execv);
  if (env) detail::check_env(*env);

  std::vector<const char*> programs;
  programs.reserve(candidates.paths.size());
  for (const std::string& path : candidates.paths) programs.push_back(path.c_str());
  const detail::ExecArgv argv(args);
  const pyproc::detail::ExecFailure failure =
      env ? pyproc::detail::exec_each(programs.data(), programs.size(), argv.get(),
                                      detail::ExecEnv(*env).get())
          : pyproc::detail::exec_each(programs.data(), programs.size(), argv.get(), ::environ);
  // os.execv() names no file; os.execve() names its path argument, which is
  // the str given (e.filename) or, after a PATH search, the bytes candidate
  // (only the message shows a bytes name).
  if (!env) raise_os_error(failure.error);
  const std::string& failed = candidates.paths[failure.index];
  if (candidates.searched) raise_os_error(failure.error, pyproc::detail::py_bytes_repr(failed));
  raise_os_error_for_file(failure.error, failed);
}

}  // namespace

void execv(const std::string& path, const Args& args) { exec_search(path, args, nullptr, false); }

void execve(const std::string& path, const Args& args, const Env& env) {
  exec_search(path, args, &env, false);
}

void execve(int fd, const Args& args, const Env& env) {
  detail::check_argv(args, detail::ExecFlavour::execve);
  detail::check_env(env);
  const detail::ExecArgv argv(args);
  const detail::ExecEnv envp(env);
  ::fexecve(fd, argv.get(), envp.get());
  raise_os_error(errno, std::to_string(fd));
}

void execvp(const std::string& file, const Args& args) { exec_search(file, args, nullptr, true); }

void execvpe(const std::string& file, const Args& args, const Env& env) {
  exec_search(file, args, &env, true);
}

}  // namespace pyproc::os

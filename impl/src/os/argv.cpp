// exec*()'s argument checks and conversions (Modules/posixmodule.c:
// os_execv_impl, os_execve_impl, parse_arglist, parse_envlist) and the PATH
// search of Lib/os.py's _execvpe().
#include "os/argv.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <utility>

#include "pyproc/exceptions.hpp"

namespace pyproc::os::detail {

void check_no_nul(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) throw ValueError("embedded null byte");
}

void check_argv(const Args& args, ExecFlavour flavour) {
  const bool v = flavour == ExecFlavour::execv;
  if (args.empty()) {
    throw ValueError(v ? "execv() arg 2 must not be empty" : "execve: argv must not be empty");
  }
  for (const std::string& arg : args) check_no_nul(arg);
  if (args[0].empty()) {
    throw ValueError(v ? "execv() arg 2 first element cannot be empty"
                       : "execve: argv first element cannot be empty");
  }
}

void check_env(const Env& env) {
  for (const auto& [name, value] : env) {
    check_no_nul(name);
    // From index 1: CPython allows a leading '=' (Windows' hidden variables).
    if (name.empty() || name.find('=', 1) != std::string::npos) {
      throw ValueError("illegal environment variable name");
    }
    check_no_nul(value);
  }
}

bool exec_would_raise(const std::string& path, const Args& args, const Env* env) {
  try {
    check_no_nul(path);
    check_argv(args, env ? ExecFlavour::execve : ExecFlavour::execv);
    if (env) check_env(*env);
  } catch (const ValueError&) {
    return true;
  }
  return false;
}

ExecArgv::ExecArgv(const Args& args) {
  pointers_.reserve(args.size() + 1);
  // execve(2) does not write through argv; its prototype predates const.
  for (const std::string& arg : args) pointers_.push_back(const_cast<char*>(arg.c_str()));
  pointers_.push_back(nullptr);
}

char* const* ExecArgv::get() const { return pointers_.data(); }

ExecEnv::ExecEnv(const Env& env) {
  entries_.reserve(env.size());
  for (const auto& [name, value] : env) {
    std::string entry = name;
    entry += '=';
    entry += value;
    entries_.push_back(std::move(entry));
  }
  pointers_.reserve(entries_.size() + 1);
  for (std::string& entry : entries_) pointers_.push_back(entry.data());
  pointers_.push_back(nullptr);
}

char* const* ExecEnv::get() const { return pointers_.data(); }

ProgramCandidates program_candidates(const std::string& file, const char* path_value) {
  // os.path.dirname(file) is non-empty exactly when file contains a '/'.
  if (file.find('/') != std::string::npos) return {{file}, false};
  const std::string_view path = path_value ? path_value : "/bin:/usr/bin";
  ProgramCandidates result{{}, true};
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = std::min(path.find(':', start), path.size());
    std::string dir(path.substr(start, end - start));
    // posixpath.join(dir, file): no separator after an empty dir or a '/'.
    if (!dir.empty() && dir.back() != '/') dir += '/';
    result.paths.push_back(dir + file);
    if (end == path.size()) return result;
    start = end + 1;
  }
}

const char* path_of(const Env* env) {
  if (!env) return std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): as os.environ
  const auto it = env->find("PATH");
  return it == env->end() ? nullptr : it->second.c_str();
}

}  // namespace pyproc::os::detail

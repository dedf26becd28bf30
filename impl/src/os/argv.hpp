// What exec*() is given, checked and converted the way CPython's
// os.execv()/os.execve() do it, into the NULL-terminated arrays execve(2)
// takes. Shared by exec* (which execs in this process) and the launcher of
// spawn*/system/popen (whose child execs), so both check the same things in
// the same order.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "pyproc/os/exec.hpp"

namespace pyproc::os::detail {

// Which CPython function's messages apply: os.execv() ("execv() arg 2 ...")
// or os.execve() ("execve: argv ...").
enum class ExecFlavour { execv, execve };

// ValueError("embedded null byte") if `text` holds a NUL (os.fsencode()).
void check_no_nul(std::string_view text);
// os.execv()/os.execve()'s checks of argv, in their order: not empty, no NUL
// in any argument, argv[0] not empty.
void check_argv(const Args& args, ExecFlavour flavour);
// os.execve()'s parse_envlist(): per entry, no NUL in the name, a name that is
// not empty and has no '=' after its first character ("illegal environment
// variable name"), no NUL in the value.
void check_env(const Env& env);
// True when os.execv(path, args) (env == nullptr) or os.execve(path, args,
// *env) would raise ValueError before trying to execute anything.
bool exec_would_raise(const std::string& path, const Args& args, const Env* env);

// argv for execve(2): pointers into `args`, which must outlive this object.
class ExecArgv {
 public:
  explicit ExecArgv(const Args& args);
  [[nodiscard]] char* const* get() const;

 private:
  std::vector<char*> pointers_;
};

// envp for execve(2): "name=value" entries.
class ExecEnv {
 public:
  explicit ExecEnv(const Env& env);
  [[nodiscard]] char* const* get() const;

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;
};

// Where CPython's os._execvpe() looks for `file`: `file` itself when it
// contains a '/', else each PATH entry joined with it (posixpath.join), PATH
// being `path_value` or os.defpath ("/bin:/usr/bin") when that is null.
struct ProgramCandidates {
  std::vector<std::string> paths;  // never empty
  bool searched = false;           // false: `file` itself, no PATH search
};
ProgramCandidates program_candidates(const std::string& file, const char* path_value);
// PATH of `env` (nullptr when absent), or of this process when env is null.
const char* path_of(const Env* env);

}  // namespace pyproc::os::detail

// Popen._get_handles() and _execute_child() (Lib/subprocess.py, POSIX), on
// the vfork-style launcher of pyproc's core.
#include "subprocess/launch.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <functional>
#include <string>
#include <vector>

#include "core/launcher.hpp"
#include "core/poll_timeout.hpp"
#include "core/syscalls.hpp"
#include "os/argv.hpp"
#include "pyproc/os/wait.hpp"
#include "pyproc/py_repr.hpp"

namespace pyproc::subprocess::detail {
namespace {

pyproc::detail::Syscalls& sys() { return pyproc::detail::syscalls(); }
using pyproc::detail::py_str_repr;

// The program's argv: args, or ["/bin/sh", "-c"] + args with shell, whose
// argv[0] is then `executable` if given.
std::vector<std::string> program_argv(const Command& args, const Options& options) {
  if (options.shell && args.is_path()) {
    throw TypeError("path-like args is not allowed when shell is true");
  }
  std::vector<std::string> argv;
  if (options.shell) argv = {options.executable.value_or("/bin/sh"), "-c"};
  if (args.is_list()) {
    argv.insert(argv.end(), args.list().begin(), args.list().end());
  } else {
    argv.push_back(args.string());
  }
  // args[0] of an empty list.
  if (argv.empty()) throw IndexError("list index out of range");
  return argv;
}

// _execute_child's own check of env (names only: b'=' anywhere in a name),
// then _fork_exec's conversions, which refuse a NUL byte anywhere.
void check_strings(const std::vector<std::string>& argv, const Options& options) {
  if (options.env) {
    for (const auto& entry : *options.env) {
      if (entry.first.find('=') != std::string::npos) {
        throw ValueError("illegal environment variable name");
      }
    }
  }
  for (const std::string& arg : argv) os::detail::check_no_nul(arg);
  if (options.executable) os::detail::check_no_nul(*options.executable);
  if (options.cwd) os::detail::check_no_nul(*options.cwd);
  if (options.env) {
    for (const auto& [name, value] : *options.env) {
      os::detail::check_no_nul(name);
      os::detail::check_no_nul(value);
    }
  }
}

// The OSError CPython raises for the child's errno: naming the program, or,
// when the child failed before its exec (fd set-up, chdir), naming the cwd
// if there is one ("noexec" in _posixsubprocess's report).
[[noreturn]] void raise_child_error(int error, bool before_exec, const std::string& program,
                                    const Options& options) {
  if (!before_exec) raise_os_error_for_file(error, program);
  if (options.cwd) raise_os_error_for_file(error, *options.cwd);
  raise_os_error(error);
}

// preexec_fn in the child: false if it threw (whatever it threw).
bool run_preexec(void* arg) noexcept {
  try {
    (*static_cast<const std::function<void()>*>(arg))();
    return true;
  } catch (...) {
    return false;
  }
}

// The entry of `name` in the user or group database through a reentrant
// lookup (getpwnam_r, getgrnam_r), its buffer grown while it is too small:
// KeyError with CPython's message ("getpwnam(): name not found: 'x'") when
// there is none, the OSError of any other failure.
template <class Entry>
Entry database_entry(int (*lookup)(const char*, Entry*, char*, std::size_t, Entry**),
                     const char* function, const std::string& name) {
  std::vector<char> buffer(16384);
  Entry entry{};
  Entry* found = nullptr;
  int error;
  while ((error = lookup(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) == ERANGE) {
    buffer.resize(buffer.size() * 2);
  }
  if (error != 0) raise_os_error(error);
  if (!found) {
    throw KeyError(py_str_repr(std::string(function) + "(): name not found: " + py_str_repr(name)));
  }
  return entry;  // its strings point into `buffer`: only the ids are read
}

uid_t user_id_of_name(const std::string& name) {
  return database_entry(&::getpwnam_r, "getpwnam", name).pw_uid;
}

long long group_id_of_name(const std::string& name) {
  return database_entry(&::getgrnam_r, "getgrnam", name).gr_gid;
}

// Popen.__init__ refuses a negative id; _posixsubprocess's converters one
// that a uid_t or gid_t cannot hold (_Py_Uid_Converter: a long truncated is
// "less than minimum").
constexpr long long kMaxId = 0xFFFFFFFFLL;

long long checked_group_id(long long number) {
  if (number < 0) throw ValueError("Group ID cannot be negative, got " + std::to_string(number));
  return number;
}

gid_t group_id(const Options::NameOrId& group) {
  const long long number = std::holds_alternative<std::string>(group)
                               ? group_id_of_name(std::get<std::string>(group))
                               : std::get<long long>(group);
  if (checked_group_id(number) > kMaxId) throw OverflowError("gid is less than minimum");
  return static_cast<gid_t>(number);
}

uid_t user_id(const Options::NameOrId& user) {
  const long long number = std::holds_alternative<std::string>(user)
                               ? user_id_of_name(std::get<std::string>(user))
                               : std::get<long long>(user);
  if (number < 0) throw ValueError("User ID cannot be negative, got " + std::to_string(number));
  if (number > kMaxId) throw OverflowError("uid is less than minimum");
  return static_cast<uid_t>(number);
}

}  // namespace

OwnedFd& OwnedFd::operator=(OwnedFd&& other) noexcept {
  if (this != &other) {
    reset();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void OwnedFd::reset() noexcept {
  if (fd_ >= 0) sys().close(fd_);
  fd_ = -1;
}

Handles::Handles(std::optional<int> stdin, std::optional<int> stdout, std::optional<int> stderr,
                 int pipesize) {
  stream(0, stdin, pipesize);
  stream(1, stdout, pipesize);
  if (stderr == STDOUT) {
    // Where the child's stdout goes; this process's fd 1 if inherited.
    child_fd_[2] = child_fd_[1] >= 0 ? child_fd_[1] : STDOUT_FILENO;
  } else {
    stream(2, stderr, pipesize);
  }
}

void Handles::close_child_ends() {
  for (OwnedFd& fd : child_end_) fd.reset();
  devnull_.reset();
}

void Handles::stream(int index, std::optional<int> how, int pipesize) {
  if (!how) return;  // None: inherited
  if (*how == PIPE) {
    int fds[2];
    if (sys().pipe2(fds, O_CLOEXEC) != 0) raise_os_error(errno);
    // stdin: the child reads; stdout/stderr: the child writes.
    const int child = index == 0 ? fds[0] : fds[1];
    const int parent = index == 0 ? fds[1] : fds[0];
    child_end_.at(index) = OwnedFd(child);
    parent_end_.at(index) = OwnedFd(parent);
    child_fd_.at(index) = child;
    if (pipesize > 0 && ::fcntl(parent, F_SETPIPE_SZ, pipesize) < 0) raise_os_error(errno);
  } else if (*how == DEVNULL) {
    if (!devnull_) {
      devnull_ = OwnedFd(::open("/dev/null", O_RDWR | O_CLOEXEC));
      if (!devnull_) raise_os_error_for_file(errno, "/dev/null");
    }
    child_fd_.at(index) = devnull_.get();
  } else if (*how >= 0) {
    child_fd_.at(index) = *how;
  } else {
    bad_fd_ = true;
  }
}

Credentials resolve_credentials(const Options& options) {
  Credentials credentials;
  // In Popen.__init__'s order: group, extra_groups, user.
  if (options.group) credentials.gid = group_id(*options.group);
  if (options.extra_groups) {
    std::vector<gid_t> groups;
    std::vector<long long> numbers;
    for (const Options::NameOrId& group : *options.extra_groups) {
      if (const auto* name = std::get_if<std::string>(&group)) {
        numbers.push_back(group_id_of_name(*name));
      } else {
        numbers.push_back(std::get<long long>(group));
      }
    }
    // All names first, then every number checked, as CPython does.
    for (const long long number : numbers) checked_group_id(number);
    for (const long long number : numbers) {
      if (number > kMaxId) throw ValueError("invalid group id");
      groups.push_back(static_cast<gid_t>(number));
    }
    credentials.groups = std::move(groups);
  }
  if (options.user) credentials.uid = user_id(*options.user);
  return credentials;
}

pid_t execute_child(const Command& args, const Options& options, const Credentials& credentials,
                    Handles& handles) {
  const std::vector<std::string> argv = program_argv(args, options);
  check_strings(argv, options);
  // What is executed (and named by errors): `executable`, else argv[0].
  const std::string& program = options.executable ? *options.executable : argv[0];
  if (handles.bad_fd()) raise_child_error(EBADF, true, program, options);

  // Everything the child uses is prepared here: it makes system calls only.
  const Env* env = options.env ? &*options.env : nullptr;
  const os::detail::ProgramCandidates candidates =
      os::detail::program_candidates(program, os::detail::path_of(env));
  std::vector<const char*> programs;
  programs.reserve(candidates.paths.size());
  for (const std::string& path : candidates.paths) programs.push_back(path.c_str());
  const os::detail::ExecArgv exec_argv(argv);
  const os::detail::ExecEnv exec_env(env ? *env : Env{});

  pyproc::detail::LaunchPlan plan;
  plan.programs = programs.data();
  plan.program_count = programs.size();
  plan.argv = exec_argv.get();
  plan.envp = env ? exec_env.get() : ::environ;
  plan.stdin_from = handles.child_fd(0);
  plan.stdout_to = handles.child_fd(1);
  plan.stderr_to = handles.child_fd(2);
  plan.cwd = options.cwd ? options.cwd->c_str() : nullptr;
  for (const int fd : options.pass_fds) {
    if (fd < 0) throw ValueError("bad value(s) in fds_to_keep");
  }
  // pass_fds overrides close_fds (CPython warns, then closes).
  plan.close_other_fds = options.close_fds || !options.pass_fds.empty();
  std::vector<int> keep = options.pass_fds;
  std::sort(keep.begin(), keep.end());
  keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
  plan.keep_fds = keep.data();
  plan.keep_fd_count = keep.size();
  plan.default_sigpipe = options.restore_signals;
  plan.umask = options.umask;
  plan.new_session = options.start_new_session;
  plan.process_group = options.process_group.value_or(-1);
  if (credentials.groups) {
    // setgroups() even for an empty list, which drops every extra group.
    plan.set_groups = true;
    plan.groups = credentials.groups->data();
    plan.group_count = credentials.groups->size();
  }
  if (credentials.gid) plan.gid = *credentials.gid;
  if (credentials.uid) plan.uid = *credentials.uid;
  if (options.preexec_fn) {
    plan.preexec = &run_preexec;
    plan.preexec_arg = const_cast<std::function<void()>*>(&options.preexec_fn);  // NOLINT
  }
  const pyproc::detail::LaunchResult launched = pyproc::detail::launch(plan);
  handles.close_child_ends();
  if (launched.pid < 0) raise_os_error(launched.launch_errno);
  if (launched.exec_errno != 0 || launched.preexec_failed) {
    // CPython reaps the child, then raises what it reported.
    int status;
    while (sys().waitpid(launched.pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (launched.preexec_failed) throw SubprocessError("Exception occurred in preexec_fn.");
    raise_child_error(launched.exec_errno, launched.before_exec, program, options);
  }
  return launched.pid;
}

}  // namespace pyproc::subprocess::detail

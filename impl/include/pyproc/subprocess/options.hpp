// The arguments every pyproc::subprocess function and Popen take: the
// command (Command), its timeout (Timeout), the keyword arguments (Options)
// and the stream constants PIPE, STDOUT and DEVNULL. Overview and the
// Python-to-C++ mapping: pyproc/subprocess.hpp.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <concepts>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "pyproc/exceptions.hpp"  // IWYU pragma: export
#include "pyproc/os/exec.hpp"

namespace pyproc::subprocess {

// subprocess.PIPE, STDOUT and DEVNULL, with CPython's values. Anything >= 0
// in a stdin/stdout/stderr option is a file descriptor of this process.
inline constexpr int PIPE = -1;
inline constexpr int STDOUT = -2;
inline constexpr int DEVNULL = -3;

using Env = os::Env;

// The `args` of the Python functions: a list (argv), or a string, which is
// the program's name (a one-element list) unless shell is true, when it is
// the command /bin/sh -c runs. The braces of call({"prog", "a"}) make a list.
class Command {
 public:
  Command(const char* program) : text_(program) {}  // NOLINT(google-explicit-constructor)
  Command(std::string program)
      : text_(std::move(program)) {}      // NOLINT(google-explicit-constructor)
  Command(std::vector<std::string> argv)  // NOLINT(google-explicit-constructor)
      : list_(std::move(argv)), is_list_(true) {}
  Command(std::initializer_list<std::string> argv)  // NOLINT(google-explicit-constructor)
      : list_(argv), is_list_(true) {}
  // A path-like args (os.PathLike): the program's path, which shell=True
  // refuses (TypeError "path-like args is not allowed when shell is true").
  Command(const std::filesystem::path& program)  // NOLINT(google-explicit-constructor)
      : text_(program.string()), is_path_(true) {}

  [[nodiscard]] bool is_list() const { return is_list_; }
  [[nodiscard]] bool is_path() const { return is_path_; }
  // The list (is_list()) or the string (!is_list()).
  [[nodiscard]] const std::vector<std::string>& list() const { return list_; }
  [[nodiscard]] const std::string& string() const { return text_; }
  // Python's str(args) ("exit 3", "['prog', 'a']") and repr(args).
  [[nodiscard]] std::string str() const;
  [[nodiscard]] std::string repr() const;
  friend bool operator==(const Command&, const Command&) = default;

 private:
  std::string text_;
  std::vector<std::string> list_;
  bool is_list_ = false;
  bool is_path_ = false;
};

// A timeout in seconds that remembers whether it was given as an integer, as
// the Python object does: str(TimeoutExpired) says "after 1 seconds" for 1
// and "after 1.0 seconds" for 1.0.
class Timeout {
 public:
  template <std::integral I>
  Timeout(I seconds)  // NOLINT(google-explicit-constructor)
      : seconds_(static_cast<double>(seconds)), integer_(static_cast<long long>(seconds)) {}
  template <std::floating_point F>
  Timeout(F seconds)
      : seconds_(static_cast<double>(seconds)) {}  // NOLINT(google-explicit-constructor)
  template <typename Rep, typename Period>
  Timeout(std::chrono::duration<Rep, Period> d)  // NOLINT(google-explicit-constructor)
      : seconds_(std::chrono::duration<double>(d).count()) {}

  [[nodiscard]] double seconds() const { return seconds_; }
  // Python's str() of the number: "1", "0.5", "1e-07".
  [[nodiscard]] std::string str() const;

 private:
  double seconds_;
  std::optional<long long> integer_;
};

// Python's None given as a keyword argument, where CPython tells it from the
// argument not given: check_output(input=None) feeds the program an empty
// input, check_output() leaves its stdin alone.
struct NoneType {
  friend bool operator==(NoneType, NoneType) = default;
};
inline constexpr NoneType None{};

// The keyword arguments. std::nullopt is an argument not given.
struct Options {
  // run() and check_output(): bytes for the child's stdin (a pipe), which is
  // then closed. Not with `stdin`. Given as None: check_output() feeds an
  // empty input (b'', or '' in text mode), run() none; Popen and call()
  // refuse it as they refuse any input.
  using InputValue = std::variant<std::string, NoneType>;
  std::optional<InputValue> input = std::nullopt;
  // std::nullopt inherits this process's fd; PIPE, DEVNULL, an fd >= 0, or
  // (stderr only) STDOUT: the child's stderr goes where its stdout goes.
  // Python's names are safe beside <cstdio>: glibc defines the macros stdin,
  // stdout and stderr as themselves, and a macro is not expanded again inside
  // its own expansion, so `opts.stdin` stays `opts.stdin` (checked by
  // impl/tests/headers; a C library defining `(stdin)` would break it).
  std::optional<int> stdin = std::nullopt;
  std::optional<int> stdout = std::nullopt;
  std::optional<int> stderr = std::nullopt;
  bool capture_output = false;  // run(): stdout and stderr = PIPE
  // Text mode (see pyproc/subprocess.hpp). An optional, because CPython
  // tells text=False from text not given: text and universal_newlines
  // (its older alias) given and different is a ValueError.
  std::optional<bool> text = std::nullopt;
  std::optional<bool> universal_newlines = std::nullopt;
  // Text mode with this codec and error handler (see above); either one
  // given turns text mode on, as in CPython.
  std::optional<std::string> encoding = std::nullopt;
  std::optional<std::string> errors = std::nullopt;
  // run(): true raises CalledProcessError on non-zero. An optional, not a
  // bool, because CPython tells "check=False" from no check at all:
  // check_output, call and check_call refuse it whenever it is given.
  std::optional<bool> check = std::nullopt;
  std::optional<Timeout> timeout = std::nullopt;
  std::optional<std::string> cwd = std::nullopt;  // the child's working directory
  std::optional<Env> env = std::nullopt;          // the child's whole environment
  bool shell = false;                             // run args with /bin/sh -c
  // The program to execute in place of args[0] (which stays the program's
  // argv[0]); with shell, the shell to run in place of /bin/sh. Errors name
  // it.
  std::optional<std::string> executable = std::nullopt;
  // Popen's buffer size for its pipe file objects: 0 unbuffered (FileIO), 1
  // line-buffered in text mode (the default size in bytes mode, as CPython
  // after its RuntimeWarning), -1 or std::nullopt the default (8192 bytes,
  // io.DEFAULT_BUFFER_SIZE), N > 1 a buffer of N bytes.
  std::optional<long long> bufsize = std::nullopt;
  // F_SETPIPE_SZ of each pipe made, when > 0 (Python 3.10's pipesize).
  int pipesize = -1;

  // ---- what the child is given (Popen's child-setup arguments) ----
  //
  // In the child, in _posixsubprocess's order: the pass_fds made
  // inheritable, fds 0-2 set up, cwd entered, umask set, signals restored,
  // a new session or process group, extra_groups, group, user, preexec_fn,
  // then every other fd closed (close_fds), then the exec. An error before
  // preexec_fn is raised naming `cwd` (if given), one after it naming the
  // program, as CPython does.

  // Every fd above 2 but pass_fds is closed in the child. False keeps the
  // inheritable ones (pyproc's own fds are never inheritable).
  bool close_fds = true;
  // Kept open in the child, made inheritable there; their presence forces
  // close_fds on (CPython warns "pass_fds overriding close_fds.").
  std::vector<int> pass_fds = {};
  // SIGPIPE and SIGXFSZ back to SIG_DFL in the child.
  bool restore_signals = true;
  bool start_new_session = false;  // setsid() in the child
  // setpgid(0, process_group) in the child when >= 0 (0: a group of its
  // own). Python 3.11.
  std::optional<pid_t> process_group = std::nullopt;
  // A user or group: a name (looked up here: KeyError "getpwnam(): name not
  // found: 'x'" / "getgrnam(): ...") or a number (>= 0, else ValueError
  // "User ID cannot be negative, got -1" / "Group ID ...").
  using NameOrId = std::variant<std::string, long long>;
  std::optional<NameOrId> user = std::nullopt;                       // setreuid(uid, uid)
  std::optional<NameOrId> group = std::nullopt;                      // setregid(gid, gid)
  std::optional<std::vector<NameOrId>> extra_groups = std::nullopt;  // setgroups()
  int umask = -1;                                                    // the child's umask when >= 0
  // Run in the child just before the exec, after everything above but
  // closing fds. Given one, pyproc forks (a copy of this process, as CPython
  // does) instead of its vfork-style launch. An exception it throws is
  // SubprocessError("Exception occurred in preexec_fn.") in the caller.
  // Hazard, as in CPython: the child is a copy of a process whose other
  // threads are gone; a lock one of them held (malloc's, a logger's) stays
  // held forever, so the function may deadlock if this process has threads.
  // Keep it to system calls.
  std::function<void()> preexec_fn = nullptr;

  // Text mode: text or universal_newlines true, or an encoding or errors
  // given (Popen.text_mode).
  [[nodiscard]] bool text_mode() const {
    return text.value_or(false) || universal_newlines.value_or(false) || encoding || errors;
  }
};

}  // namespace pyproc::subprocess

// pyproc::subprocess — Python's subprocess conveniences in C++: call,
// check_call, check_output, run, getoutput and getstatusoutput, with CPython
// 3.11's results, exception types and messages (Linux).
//
// The mapping, at a glance:
//
//   subprocess.call(["prog", "a"])                  subprocess::call({"prog", "a"})
//   subprocess.call("prog")                         subprocess::call("prog")
//   subprocess.call("exit 3", shell=True)           subprocess::call("exit 3", {.shell = true})
//   subprocess.run(args, capture_output=True,       subprocess::run(args, {.capture_output = true,
//                  text=True, timeout=0.5)                                 .text = true,
//                                                                          .timeout = 0.5})
//   r.returncode, r.stdout (None if not captured)   r.returncode, r.stdout (std::nullopt)
//   stdout=subprocess.PIPE / DEVNULL, stderr=STDOUT .stdout = subprocess::PIPE, .stderr = STDOUT
//   except subprocess.CalledProcessError as e:      catch (const subprocess::CalledProcessError& e)
//
// Options the Python function does not take raise what CPython raises
// (call(args, input=...) is a TypeError, check_output(args, check=True) a
// ValueError), so one options struct serves every function.
//
// How a program starts: the vfork-style launcher of pyproc::os (clone with
// CLONE_VM | CLONE_VFORK, the way CPython's _posixsubprocess and glibc's
// posix_spawn launch), so the cost does not grow with this process's memory.
// As with CPython's defaults (close_fds=True, restore_signals=True), the new
// program gets fds 0-2 and nothing else, with SIGPIPE and SIGXFSZ back at
// their defaults; every fd pyproc opens is O_CLOEXEC. A program that cannot
// be started raises the OSError subclass of the child's errno, naming the
// program ("[Errno 2] No such file or directory: 'x'"), or naming `cwd` when
// the child failed before it could exec (a bad fd, a cwd it cannot enter);
// its errno_value(), strerror() and filename() are Python's e.errno,
// e.strerror and e.filename.
//
// I/O is communicate()'s: input, stdout and stderr are served together by
// one poll() loop, so a child that writes much to both streams while it reads
// much input never blocks the exchange; a child that exits without reading
// its input is not an error (EPIPE is ignored, and SIGPIPE never reaches
// this process: it is blocked in the calling thread while input is written).
// Timeouts run against the monotonic clock; on a timeout the child is killed
// (SIGKILL) and reaped before TimeoutExpired is raised, carrying the output
// read so far. On every path, exceptions included, the child is reaped and
// every fd closed: no zombie, no leak. No SIGCHLD handler is installed and no
// other child is ever waited for (no waitpid(-1)).
//
// Threads: every function may be called from several threads at once
// (spec/cpp-thread-contract.md, S1-S3).
//
// Strings are byte strings. Text mode (text = true, or an encoding or errors
// given) decodes output as CPython does with a UTF-8 locale, into UTF-8:
// `encoding` "utf-8" (the default), "latin-1" or "ascii" (and their Python
// aliases), `errors` "strict" (the default: UnicodeDecodeError with CPython's
// message), "replace", "ignore" or "backslashreplace"; then it translates
// newlines ("\r\n" and "\r" become "\n"). Text-mode input is UTF-8 text,
// encoded the same way (UnicodeEncodeError where latin-1 or ascii cannot
// hold a character). Bytes mode keeps the bytes.
//
// The names `stdin`, `stdout` and `stderr` below are members: glibc defines
// the <cstdio> macros of the same names as themselves, so they do not clash.
#pragma once

#include <chrono>
#include <concepts>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pyproc/exceptions.hpp"
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

  [[nodiscard]] bool is_list() const { return is_list_; }
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

// The keyword arguments. std::nullopt is Python's None (the default).
struct Options {
  // run() and check_output(): bytes for the child's stdin (a pipe), which is
  // then closed. Not with `stdin`.
  std::optional<std::string> input = std::nullopt;
  // std::nullopt inherits this process's fd; PIPE, DEVNULL, an fd >= 0, or
  // (stderr only) STDOUT: the child's stderr goes where its stdout goes.
  std::optional<int> stdin = std::nullopt;
  std::optional<int> stdout = std::nullopt;
  std::optional<int> stderr = std::nullopt;
  bool capture_output = false;  // run(): stdout and stderr = PIPE
  bool text = false;            // decode output (see above)
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
};

// What run() returns. stdout/stderr are std::nullopt when not captured.
struct CompletedProcess {
  Command args;
  int returncode = 0;
  std::optional<std::string> stdout = std::nullopt;
  std::optional<std::string> stderr = std::nullopt;
  bool text = false;  // whether stdout/stderr are text (Python: str, not bytes)

  // CalledProcessError(returncode, args, stdout, stderr) if returncode != 0.
  void check_returncode() const;
  // CPython's repr: "CompletedProcess(args=['prog'], returncode=0, stdout=b'x\n')".
  [[nodiscard]] std::string repr() const;
};

// ---- exceptions (what() is CPython's str()) ----

class SubprocessError : public Exception {
 public:
  using Exception::Exception;
  [[nodiscard]] const char* type_name() const noexcept override;
};

// "Command '<str(cmd)>' returned non-zero exit status 3." or, for a signal,
// "Command '<str(cmd)>' died with <Signals.SIGKILL: 9>." ("died with unknown
// signal N." where CPython's signal.Signals has no member N).
class CalledProcessError : public SubprocessError {
 public:
  CalledProcessError(int returncode, Command cmd, std::optional<std::string> output = std::nullopt,
                     std::optional<std::string> stderr = std::nullopt);
  [[nodiscard]] const char* type_name() const noexcept override;
  [[nodiscard]] int returncode() const { return returncode_; }
  [[nodiscard]] const Command& cmd() const { return cmd_; }
  [[nodiscard]] const std::optional<std::string>& output() const { return output_; }
  [[nodiscard]] const std::optional<std::string>& stdout() const { return output_; }
  [[nodiscard]] const std::optional<std::string>& stderr() const { return stderr_; }

 private:
  int returncode_;
  Command cmd_;
  std::optional<std::string> output_;
  std::optional<std::string> stderr_;
};

// "Command '<str(cmd)>' timed out after <timeout> seconds". output/stderr are
// the bytes read before the timeout (std::nullopt when nothing was read, even
// in text mode: CPython keeps them undecoded).
class TimeoutExpired : public SubprocessError {
 public:
  TimeoutExpired(Command cmd, Timeout timeout, std::optional<std::string> output = std::nullopt,
                 std::optional<std::string> stderr = std::nullopt);
  [[nodiscard]] const char* type_name() const noexcept override;
  [[nodiscard]] const Command& cmd() const { return cmd_; }
  [[nodiscard]] const Timeout& timeout() const { return timeout_; }
  [[nodiscard]] const std::optional<std::string>& output() const { return output_; }
  [[nodiscard]] const std::optional<std::string>& stdout() const { return output_; }
  [[nodiscard]] const std::optional<std::string>& stderr() const { return stderr_; }

 private:
  Command cmd_;
  Timeout timeout_;
  std::optional<std::string> output_;
  std::optional<std::string> stderr_;
};

// ---- the functions ----
//
// Raised before anything starts, as CPython raises them:
//   IndexError("list index out of range")     an empty list without shell
//   ValueError("embedded null byte")          a NUL in an argument, cwd or env
//   ValueError("illegal environment variable name")   '=' in an env name
//   TypeError("Popen.__init__() got an unexpected keyword argument 'input'")
//                                             (and 'capture_output', 'check')
//                                             call/check_call given them
//   ValueError("stdin and input arguments may not both be used.")
//   ValueError("stdout and stderr arguments may not be used with capture_output.")
//   ValueError("stdout argument not allowed, it will be overridden.")  check_output
//   ValueError("check argument not allowed, it will be overridden.")   check_output
//   TypeError("getoutput() got an unexpected keyword argument 'shell'")
//                                             getoutput/getstatusoutput given
//                                             anything but encoding/errors
//   LookupError("unknown encoding: x")       text mode with a pipe to decode
// The program is searched in PATH (of `env` when given) unless its name has
// a '/', as CPython does; with shell, the program is /bin/sh.

// Runs the command and waits: its returncode (-N if signal N ended it). With
// a timeout: TimeoutExpired(args, timeout) once it expires, the child killed
// and reaped. PIPE here is as in CPython: the pipe is made and never read.
int call(const Command& args, const Options& options = {});
// call(), then CalledProcessError(returncode, args) unless it returned 0.
int check_call(const Command& args, const Options& options = {});
// run(args, stdout=PIPE, check=True).stdout.
std::string check_output(const Command& args, const Options& options = {});
// Runs the command, feeds it `input`, collects what was asked for.
CompletedProcess run(const Command& args, const Options& options = {});
// (exitcode, output) of `cmd` run by /bin/sh -c with stderr merged into
// stdout, decoded as text, one trailing "\n" removed. The exit code is
// Popen.returncode's (-15 for SIGTERM), as in CPython 3.11. A list's first
// item is the command line, the others the shell's $0, $1, ... Takes only
// `encoding` and `errors` of the options (CPython's keyword-only
// arguments); a bool option set to true or any other option given is
// CPython's TypeError.
std::pair<int, std::string> getstatusoutput(const Command& cmd, const Options& options = {});
// getstatusoutput(cmd, options).second.
std::string getoutput(const Command& cmd, const Options& options = {});

}  // namespace pyproc::subprocess

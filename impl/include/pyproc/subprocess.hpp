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
// As in CPython, every function is a thin layer over Popen
// (pyproc/subprocess/popen.hpp): the object to use for streaming, a dialogue
// over the pipes, poll() or wait(timeout) of a running program, signals.
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
// the <cstdio> macros of the same names as themselves, so they do not clash
// (see Options::stdin).
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "pyproc/exceptions.hpp"
#include "pyproc/subprocess/errors.hpp"
#include "pyproc/subprocess/options.hpp"
#include "pyproc/subprocess/popen.hpp"

namespace pyproc::subprocess {

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

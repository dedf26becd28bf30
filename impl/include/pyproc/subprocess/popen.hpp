// subprocess.Popen in C++: one running program, its pipes, and the methods
// CPython's object has (Lib/subprocess.py, 3.11, POSIX).
//
//   p = Popen(["prog"], stdin=PIPE, stdout=PIPE)   subprocess::Popen p({"prog"}, {.stdin = PIPE,
//                                                                          .stdout = PIPE});
//   p.stdin.write(b"x\n"); p.stdin.flush()         p.stdin()->write("x\n"); p.stdin()->flush();
//   line = p.stdout.readline()                     std::string line = p.stdout()->readline();
//   out, err = p.communicate(b"in", timeout=5)     auto [out, err] = p.communicate("in", 5);
//   p.poll() / p.wait(timeout=1) / p.returncode    p.poll() / p.wait(1) / p.returncode()
//   p.send_signal(SIGUSR1); p.terminate(); p.kill()    the same
//   with Popen(args) as p: body                    subprocess::with(Popen(args), [&](Popen& p) {
//                                                    body });
//
// Options are subprocess's (pyproc/subprocess/options.hpp); Popen refuses
// those of run() (input, capture_output, check, timeout) with CPython's
// TypeError, and a text and universal_newlines that disagree with its
// SubprocessError ("Cannot disambiguate ..."). Errors before the program
// starts are call()'s (pyproc/subprocess.hpp).
//
// Lifetime. ~Popen() is CPython's __del__ when the last reference goes: its
// pipe files are let go (each closes, a writer's buffer flushed first and
// errors ignored, unless the caller still holds it), and a
// child that has not been waited for is polled once; one still running is
// not killed nor waited for (a destructor never blocks): it is kept in a
// list of this process, and reaped by the next Popen constructed (CPython's
// _cleanup()), so it is a zombie only until then. To wait for it, as `with`
// does, call exit() (CPython's __exit__: closes stdout, stderr, then stdin,
// and waits, however long that takes) or use with(). A moved-from Popen
// holds nothing: its destructor does nothing, and every other member raises
// ValueError("Popen object was moved from").
//
// The child is waited for through a pidfd opened when it starts (ready once
// it has ended; signals go through it too, so a pid reused after the child
// was reaped is never signalled); where pidfds are refused (ENOSYS, EPERM)
// Popen falls back on CPython's own way: waitpid(pid) with back-off sleeps
// for a timeout, kill(pid) after a poll.
//
// A SIGCHLD handler that reaps every child (waitpid(-1) in a loop) steals
// the child's status: the handler runs as the child exits, before the pidfd
// wakes Popen, so returncode is then 0 (ECHILD, as CPython reports it).
// Measured (bench/sigchld_reaper.{py,cpp}, 200 calls of a command exiting
// 3): subprocess::call 0/200 right, CPython 3.11's subprocess.call 168/200
// (its blocking waitpid() often wins the race); os::system 200/200 in both
// (C system() blocks SIGCHLD); os::spawnv(os::p_wait) 166-181/200 against
// CPython's 193/200 (ChildProcessError otherwise). Block SIGCHLD, or reap
// only the pids the handler's own code started.
//
// Threads (spec/cpp-thread-contract.md): poll(), wait(), send_signal(),
// terminate(), kill(), returncode(), pid() and args() may be called from
// several threads at once, as in CPython (one thread reaps, every waiter
// sees its returncode). communicate(), exit() and the pipe files are used by
// one thread at a time; a different PipeFile may be used by another thread.
// Moving a Popen while another thread uses it is a data race.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "pyproc/exceptions.hpp"  // IWYU pragma: export
#include "pyproc/subprocess/errors.hpp"
#include "pyproc/subprocess/options.hpp"

namespace pyproc::subprocess {

class PipeFile;
namespace detail {
struct PipeState;
struct PopenState;
struct Conveniences;
PipeState& state_of(PipeFile& file);
// Where the child's fds 0-2 come from (Options::stdin, ...), apart from the
// options, so that run() and check_output() can set them without copying
// the options and their input.
struct Streams {
  std::optional<int> stdin;
  std::optional<int> stdout;
  std::optional<int> stderr;
};
}  // namespace detail

// The parent's end of one of a Popen's pipes: the file object CPython makes
// for it. Its kind follows bufsize and text mode as io.open() does: FileIO
// (bufsize 0, bytes), BufferedWriter / BufferedReader (bytes), TextIOWrapper
// (text mode: str in UTF-8 here, encoded and decoded with the Popen's
// encoding and errors, universal newlines when reading; its writes go
// through at once, write_through=True, and bufsize 1 flushes at each line).
// Errors are those of that class, with CPython's messages
// (ValueError("write to closed file"), UnsupportedOperation("read") on a
// writer, BrokenPipeError when the child has closed its end, ...). SIGPIPE
// never reaches this process through a write: it is blocked in the writing
// thread while it writes.
class PipeFile {
 public:
  enum class Kind { FileIO, BufferedWriter, BufferedReader, TextIOWrapper };

  explicit PipeFile(std::unique_ptr<detail::PipeState> state);
  ~PipeFile();
  PipeFile(const PipeFile&) = delete;
  PipeFile& operator=(const PipeFile&) = delete;

  [[nodiscard]] Kind kind() const;
  // type(f).__name__: "FileIO", "BufferedWriter", "BufferedReader", "TextIOWrapper".
  [[nodiscard]] const char* type_name() const;
  [[nodiscard]] bool closed() const;
  [[nodiscard]] bool readable() const;
  [[nodiscard]] bool writable() const;
  // The file descriptor (ValueError once closed).
  [[nodiscard]] int fileno() const;

  // f.write(data): the number of bytes taken (FileIO: what one write(2)
  // took; text: the number of characters).
  std::size_t write(std::string_view data);
  void flush();
  // f.close(): flushes a writer first; closed even when that flush raises.
  // Closing twice does nothing.
  void close();
  // f.read(size): size < 0 reads to end of file; FileIO makes one read(2),
  // the others read until `size` bytes (text: characters) or end of file.
  std::string read(long long size = -1);
  // f.readline(size): up to and including "\n" (text: after universal
  // newlines), at most `size` bytes or characters when size >= 0.
  std::string readline(long long size = -1);
  // f.readlines(): every line to end of file.
  std::vector<std::string> readlines();
  // next(f): the next line, std::nullopt at end of file (StopIteration).
  std::optional<std::string> next();
  // iter(f): checks the file is open (ValueError if not), as iter() does.
  void iter() const;

 private:
  friend detail::PipeState& detail::state_of(PipeFile& file);
  std::unique_ptr<detail::PipeState> state_;
};

// What communicate() returns: (stdout, stderr), each std::nullopt when that
// stream is not a pipe.
struct Communicated {
  std::optional<std::string> stdout;
  std::optional<std::string> stderr;
};

class Popen {
 public:
  // Starts the program (see pyproc/subprocess.hpp for args and the errors).
  explicit Popen(const Command& args, const Options& options = {});
  ~Popen();
  Popen(Popen&& other) noexcept;
  Popen& operator=(Popen&& other) noexcept;  // the old child as ~Popen() leaves it
  Popen(const Popen&) = delete;
  Popen& operator=(const Popen&) = delete;

  [[nodiscard]] const Command& args() const;
  [[nodiscard]] pid_t pid() const;
  // std::nullopt until the child has been waited for; then its exit code, or
  // -N for signal N (or a stop signal seen by a wait).
  [[nodiscard]] std::optional<int> returncode() const;
  [[nodiscard]] bool text_mode() const;
  // The pipe files; nullptr for a stream that is not PIPE. Shared, as
  // Python's file objects are: one held elsewhere outlives the Popen (and
  // stays open), one held only by the Popen closes with it. (Safe beside
  // <cstdio>'s stdin/stdout/stderr macros: see Options::stdin.)
  [[nodiscard]] const std::shared_ptr<PipeFile>& stdin() const;
  [[nodiscard]] const std::shared_ptr<PipeFile>& stdout() const;
  [[nodiscard]] const std::shared_ptr<PipeFile>& stderr() const;

  // Reaps the child if it has ended: its returncode, or std::nullopt while it
  // runs (also while another thread is reaping it, as CPython's poll()).
  std::optional<int> poll();
  // Blocks until the child ends: its returncode. With a timeout:
  // TimeoutExpired(args, timeout) if it is still running then (a negative
  // timeout checks once; NaN and inf never expire, as in CPython).
  int wait(std::optional<Timeout> timeout = std::nullopt);
  // Sends `input` (bytes, or UTF-8 text in text mode) to stdin and closes
  // it, reads stdout and stderr to end of file, waits: Python's
  // communicate(), with its errors and its resumption after a timeout
  // (TimeoutExpired carries what was read so far, undecoded; a later call
  // returns everything, nothing lost). ValueError("Cannot send input after
  // starting communication") for input on a later call; input without a
  // stdin pipe is ignored, as in CPython. A child that stops reading is not
  // an error (EPIPE is ignored).
  Communicated communicate(std::optional<std::string_view> input = std::nullopt,
                           std::optional<Timeout> timeout = std::nullopt);
  // Polls, then sends `signal` unless the child has been reaped (then
  // nothing happens, as in CPython); a child that is gone (ESRCH) is no
  // error.
  void send_signal(int signal);
  void terminate();  // send_signal(SIGTERM)
  void kill();       // send_signal(SIGKILL)
  // __exit__: closes stdout and stderr, then stdin (its flush may raise:
  // the wait still happens, then the error is raised), then wait().
  void exit();
  // repr(p): "<Popen: returncode: None args: ['prog', 'a']>", cut to 80
  // characters ("...>") as CPython does.
  [[nodiscard]] std::string repr() const;

 private:
  friend struct detail::Conveniences;
  // The conveniences' Popen: `options` with their own `streams`, and
  // without the refusal of run()'s options.
  Popen(const Command& args, const Options& options, const detail::Streams& streams);
  static detail::Streams refuse_run_options(const Options& options);
  [[nodiscard]] detail::PopenState& state() const;
  std::unique_ptr<detail::PopenState> state_;
};

// `with Popen(...) as p: body(p)`: runs body, then p.exit() whether body
// returned or threw. When body threw, its exception is the one that
// propagates (an error of exit() then is dropped; Python would chain it).
// Returns what body returns.
template <class Body>
auto with(Popen&& process, Body&& body) {
  Popen p(std::move(process));
  const auto exit_after_error = [&p]() noexcept {
    try {
      p.exit();
    } catch (...) {  // NOLINT(bugprone-empty-catch): the body's exception wins
    }
  };
  if constexpr (std::is_void_v<std::invoke_result_t<Body, Popen&>>) {
    try {
      std::forward<Body>(body)(p);
    } catch (...) {
      exit_after_error();
      throw;
    }
    p.exit();
  } else {
    auto result = [&] {
      try {
        return std::forward<Body>(body)(p);
      } catch (...) {
        exit_after_error();
        throw;
      }
    }();
    p.exit();
    return result;
  }
}

}  // namespace pyproc::subprocess

// What a Popen and its pipe files hold (pyproc/subprocess/popen.hpp): the
// state CPython keeps in the Popen object and in its io objects.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "pyproc/subprocess/popen.hpp"
#include "subprocess/buffer.hpp"
#include "subprocess/launch.hpp"
#include "subprocess/text.hpp"

namespace pyproc::subprocess::detail {

// One io object over a pipe end: FileIO, a Buffered{Reader,Writer} over
// it, or a TextIOWrapper over either.
struct PipeState {
  OwnedFd fd;
  PipeFile::Kind kind = PipeFile::Kind::FileIO;
  bool reader = false;
  bool raw = false;             // no buffer: bufsize 0 (FileIO, or text over FileIO)
  bool line_buffering = false;  // text, bufsize 1: flush at each line written
  std::size_t buffer_size = 8192;
  std::optional<Codec> codec;  // text mode
  bool closed = false;

  std::string pending_write;  // a BufferedWriter's buffer
  std::string raw_read;       // bytes read and not yet handed out (or decoded)
  std::string decoded;        // text: decoded characters not yet handed out
  bool eof = false;           // read(2) returned 0
};

// One output pipe in communicate(): what was read, and whether any read
// returned (CPython's list of chunks, whose emptiness decides whether
// TimeoutExpired carries b'' or None).
struct Collected {
  ReadBuffer data;
  bool read_once = false;
  [[nodiscard]] std::optional<std::string> partial() const {
    return read_once ? std::optional<std::string>(data.copy()) : std::nullopt;
  }
};

struct PopenState {
  explicit PopenState(Command command) : args(std::move(command)) {}

  Command args;
  pid_t pid = -1;
  // Where pidfds are allowed (fixed at the start), the child's pidfd: open
  // until the child is reaped and no thread polls it any more (guarded by
  // waitpid_lock), so that a reaped Popen holds no fd, as CPython's holds
  // none.
  bool uses_pidfd = false;
  OwnedFd pidfd;
  int pidfd_waiters = 0;
  bool text_mode = false;
  std::shared_ptr<PipeFile> stdin;
  std::shared_ptr<PipeFile> stdout;
  std::shared_ptr<PipeFile> stderr;

  // CPython's _waitpid_lock: held by whoever reaps, so that the returncode
  // is set once; poll() does not wait for it.
  mutable std::mutex waitpid_lock;
  // The returncode, set once under waitpid_lock and read without it (a
  // thread blocked in waitpid() holds the lock, and returncode() must not
  // wait for it).
  [[nodiscard]] std::optional<int> returncode() const {
    if (!reaped_.load(std::memory_order_acquire)) return std::nullopt;
    return code_;
  }
  void set_returncode(int code) {
    code_ = code;
    reaped_.store(true, std::memory_order_release);
  }

  // communicate() across calls (a call after a TimeoutExpired resumes).
  bool communication_started = false;
  Collected out;
  Collected err;

  // Reaps the child if it has ended (`block`: waits until it has), with the
  // lock held: true once returncode is set.
  bool try_wait_locked(bool block);
  // Blocks until the child may have ended or `remaining` seconds pass
  // (std::nullopt: no limit), polling the pidfd with `lock` (held on entry
  // and on return) released meanwhile.
  void await_end(std::unique_lock<std::mutex>& lock, std::optional<double> remaining);
  // Closes the pidfd once the child is reaped and no one polls it (lock held).
  void release_pidfd_locked();

 private:
  int code_ = 0;  // written once, before reaped_ is set
  std::atomic<bool> reaped_{false};
};

// The io object of a pipe end, as Popen.__init__ makes it (io.open(fd, mode,
// bufsize), then TextIOWrapper in text mode).
std::shared_ptr<PipeFile> make_pipe_file(OwnedFd fd, bool reader, const Options& options);
// The state of a pipe file (communicate() uses the fd directly, as CPython's
// _communicate does, and closes the file objects).
PipeState& state_of(PipeFile& file);

// Popen.communicate() (communicate.cpp).
Communicated communicate(PopenState& state, Popen& popen, std::optional<std::string_view> input,
                         std::optional<Timeout> timeout);

}  // namespace pyproc::subprocess::detail

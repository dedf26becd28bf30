// os.popen(): a pipe to or from `/bin/sh -c cmd`, as CPython builds it on
// subprocess.Popen(cmd, shell=True, text=True): the shell's argv[0] is
// "/bin/sh", every fd but 0-2 is closed in it (close_fds=True), SIGPIPE and
// SIGXFSZ are back at their defaults there (restore_signals=True), and this
// side of the pipe is O_CLOEXEC, so no other program launched meanwhile
// inherits it.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pyproc/exceptions.hpp"  // IWYU pragma: export

namespace pyproc::os {

class PopenFile;
namespace detail {
// popen() with another shell than /bin/sh (tests use it to make the exec fail).
PopenFile popen_with_shell(const char* shell, const std::string& cmd, const std::string& mode,
                           int buffering);
}  // namespace detail

// os._wrap_close around the text stream. Move-only; the destructor closes it
// (waiting for the command, as `with os.popen(...)` does), swallowing errors.
//
// Text: bytes pass through unchanged (no decoding, so no UnicodeDecodeError;
// sizes count bytes, not characters). Reading translates newlines as Python's
// universal-newlines mode does ("\r\n" and "\r" read as "\n").
//
// Errors as CPython's TextIOWrapper: ValueError("I/O operation on closed
// file.") after close() (fileno(): "I/O operation on closed file", no period);
// UnsupportedOperation("not readable") reading a "w" stream,
// UnsupportedOperation("not writable") writing an "r" one.
class PopenFile {
 public:
  PopenFile(PopenFile&& other) noexcept;
  PopenFile& operator=(PopenFile&& other) noexcept;
  PopenFile(const PopenFile&) = delete;
  PopenFile& operator=(const PopenFile&) = delete;
  ~PopenFile();

  // read(size=-1): everything up to end of file, or at most `size` bytes.
  std::string read(std::ptrdiff_t size = -1);
  // One line with its "\n" ("" at end of file), at most `size` bytes if >= 0.
  std::string readline(std::ptrdiff_t size = -1);
  // The remaining lines; with hint > 0, stops once that many bytes are read.
  std::vector<std::string> readlines(std::ptrdiff_t hint = -1);
  // Buffers `text` (returns its length). With buffering=1 a "\n" or "\r" in
  // it flushes; otherwise the buffer (8192 bytes, or `buffering` bytes when
  // > 1) is flushed once full. A reader that has gone raises BrokenPipeError
  // on this write or a later flush/close; SIGPIPE is kept from killing this
  // process (Python ignores it): it is blocked in the calling thread around
  // the write. As with io.BufferedWriter, a failed write keeps what fits the
  // buffer for the next flush and drops anything beyond it.
  std::size_t write(std::string_view text);
  void flush();
  [[nodiscard]] int fileno() const;
  [[nodiscard]] bool closed() const { return s_.fd < 0; }

  // Closes the stream (flushing it first) and waits for the command:
  // std::nullopt if it exited 0, else its returncode << 8 as CPython computes
  // it: exit 3 -> 768, SIGKILL -> -9 << 8 == -2304. Calling it again returns
  // the same. If the flush raises (BrokenPipeError), the stream is closed,
  // the error propagates and the command is not waited for yet: the next
  // close() (or the destructor) waits.
  std::optional<int> close();

 private:
  friend PopenFile detail::popen_with_shell(const char* shell, const std::string& cmd,
                                            const std::string& mode, int buffering);
  PopenFile(pid_t pid, int fd, bool reading, int buffering);
  void check_open() const;
  bool fill();  // reads more into s_.in; false at end of file
  void reap();

  // Everything a move transfers; the moved-from object is left with State{}.
  struct State {
    pid_t pid = -1;
    int fd = -1;
    bool reading = true;
    bool line_buffering = false;
    std::size_t buffer_size = 8192;
    std::string in;           // decoded text read but not yet returned
    bool pending_cr = false;  // a "\r" whose next byte decides "\r\n" vs "\r"
    bool eof = false;
    std::string out;  // text written but not yet flushed
    std::optional<int> returncode;
  };
  State s_;
};

// os.popen(cmd, mode="r", buffering=-1). Raises, in CPython's order:
// ValueError("invalid mode 'rb'") unless mode is "r" or "w";
// ValueError("popen() does not support unbuffered streams") for buffering 0;
// ValueError("embedded null byte") for a NUL in cmd; the OSError subclass of
// pipe2 (EMFILE) or of the launch (EAGAIN, ENOMEM; an exec failure of the
// shell names it: "[Errno 2] No such file or directory: '/bin/sh'").
PopenFile popen(const std::string& cmd, const std::string& mode = "r", int buffering = -1);

}  // namespace pyproc::os

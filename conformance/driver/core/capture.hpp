// What a process of a case writes (spec/protocol.md §4.10): fd 1 and 2 of
// every process are capture files (capture_file()), never the harness's pipes.
// The driver keeps the real standard output for its protocol document and
// the real standard error for its own diagnostics.
//
// The case's `write` and `flush` act on C stdio's stdout and stderr, the C++
// counterparts of Python's sys.stdout and sys.stderr: pyproc flushes them
// where CPython flushes those (Process::start(), a child's end) and loses
// them where CPython does (os._exit, exec). The driver sets them up as
// Python has them when its output is not a terminal: stdout block-buffered
// (8 KiB), stderr line-buffered.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pyproc::driver {

// A new capture file named `label` (O_CLOEXEC): a file in the case's scratch
// directory ($PYPROC_CASE_TMP), so that what a case wrote is still there to
// show if the case hangs (spec/protocol.md §7, HUNG); a memory file when there
// is no such directory (the driver run by hand) or it cannot be written.
// Either never fills up, unlike a pipe, and can be read after its writer
// has ended, even if a grandchild still holds it.
int capture_file(const std::string& label);

// The main process's capture files, from construction (before the first
// step) to restore().
class MainCapture {
 public:
  MainCapture();
  MainCapture(const MainCapture&) = delete;
  MainCapture& operator=(const MainCapture&) = delete;
  ~MainCapture();

  // Flushes stdio into the capture files, copies the end of what the case
  // wrote to fd 2 to the real standard error (diagnostics, §4.10), and puts
  // the real standard output and error back on fd 1 and 2. Idempotent.
  void restore();

 private:
  int real_stdout_ = -1;
  int real_stderr_ = -1;
};

// A child's own capture files ("capture": true on `new` or `fork`), created
// by its parent so that the parent can read them after the child ends.
struct CaptureFiles {
  int stdout_fd = -1;
  int stderr_fd = -1;
  static CaptureFiles create(const std::string& name);  // capture_file()s
  void close() const;
  // In the child, before its first step: make them its fd 1 and 2.
  void use() const;
  [[nodiscard]] int fd(const std::string& stream) const {
    return stream == "stdout" ? stdout_fd : stderr_fd;
  }
};

// Where each `output` of this process left off in each file (a fork copies
// it, so a child starts at its creator's positions).
class OutputPositions {
 public:
  // The bytes written to `fd`'s file since the previous read of that file.
  std::string read_new(int fd);

 private:
  std::map<std::pair<dev_t, ino_t>, off_t> read_;
};

// Everything in `fd`'s file from `offset` on (pread: the offset is not moved).
std::string read_from(int fd, off_t offset);
// §4.7: the lines (Python's str.splitlines()) that do not begin with a space
// or a tab.
std::vector<std::string> unindented_lines(const std::string& text);
bool is_utf8(const std::string& text);

}  // namespace pyproc::driver

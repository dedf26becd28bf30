// Helpers for tests that run real processes: pipes to synchronise with and to
// report from children (never sleeps), fd counting, a mock of the seam.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "core/syscalls.hpp"
#include "pyproc/multiprocessing/connection.hpp"

namespace pyproc::testing {

// This process's pid as repr() and the messages write it.
inline const std::string kMyPid = std::to_string(::getpid());

// A pipe, both ends O_CLOEXEC, closed on destruction.
class Pipe {
 public:
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    read_fd_ = fds[0];
    write_fd_ = fds[1];
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  int read_fd() const { return read_fd_; }
  int write_fd() const { return write_fd_; }
  void close_read() { close_fd(read_fd_); }
  void close_write() { close_fd(write_fd_); }

  // Writes all of `text` (used on both sides of a fork).
  void write(const std::string& text) const {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(write_fd_, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }
  // Reads exactly `count` bytes, or fewer at end of file.
  std::string read(std::size_t count) const {
    std::string out(count, '\0');
    std::size_t done = 0;
    while (done < count) {
      const ssize_t n = ::read(read_fd_, out.data() + done, count - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    out.resize(done);
    return out;
  }
  // Reads one '\n'-terminated line (without the '\n'); "" at end of file.
  std::string read_line() const {
    std::string line;
    for (;;) {
      const std::string c = read(1);
      if (c.empty() || c == "\n") return line;
      line += c;
    }
  }
  // Reads until every write end is closed.
  std::string read_all() const {
    std::string out;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(read_fd_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return out;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  // True when the read end would not block (data or end of file) within
  // `timeout` seconds.
  bool readable(double timeout) const { return !connection::wait({read_fd_}, timeout).empty(); }

 private:
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  int read_fd_ = -1;
  int write_fd_ = -1;
};

// Blocks the calling (child) process until a byte arrives or the pipe closes.
inline void await_token(const Pipe& pipe) { (void)pipe.read(1); }
inline void give_token(const Pipe& pipe) { pipe.write("t"); }

// Number of open file descriptors of this process.
inline int count_open_fds() {
  int count = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // the directory stream's own fd
}

// In a child: sends the child's stderr into `pipe` (for checking what the
// bootstrap writes there).
inline void redirect_stderr(const Pipe& pipe) { ::dup2(pipe.write_fd(), STDERR_FILENO); }

// A seam whose every call goes to the real system calls unless a test says
// otherwise; installed for the lifetime of the object.
class MockSyscalls : public detail::Syscalls {
 public:
  // Out of line (mock_syscalls.cpp), as gMock's cookbook advises: the code
  // the mock methods need is then generated once, not in every test file.
  // Every method defaults to the real call; the mock is the seam while it lives.
  MockSyscalls();
  ~MockSyscalls();

  MOCK_METHOD(pid_t, fork, (), (override));
  MOCK_METHOD(int, pidfd_open, (pid_t, unsigned int), (override));
  MOCK_METHOD(int, pipe2, (int*, int), (override));
  MOCK_METHOD(pid_t, waitpid, (pid_t, int*, int), (override));
  MOCK_METHOD(int, waitid, (idtype_t, id_t, siginfo_t*, int), (override));
  MOCK_METHOD(int, kill, (pid_t, int), (override));
  MOCK_METHOD(int, pidfd_send_signal, (int, int), (override));
  MOCK_METHOD(int, poll, (struct pollfd*, nfds_t, int), (override));
  MOCK_METHOD(ssize_t, write, (int, const void*, std::size_t), (override));
  MOCK_METHOD(int, close, (int), (override));
  MOCK_METHOD(pid_t, getpid, (), (override));
};

}  // namespace pyproc::testing

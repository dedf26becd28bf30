// os.popen() (Lib/os.py popen and _wrap_close over subprocess.Popen(cmd,
// shell=True, text=True)), on the vfork-style launcher.
#include "pyproc/os/popen.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <exception>
#include <string>
#include <utility>

#include "core/launcher.hpp"
#include "core/sigpipe_blocked.hpp"
#include "core/syscalls.hpp"
#include "core/universal_newlines.hpp"
#include "os/argv.hpp"
#include "pyproc/exceptions.hpp"
#include "pyproc/os/wait.hpp"
#include "pyproc/py_repr.hpp"

namespace pyproc::os {
namespace {

pyproc::detail::Syscalls& sys() { return pyproc::detail::syscalls(); }

// One write(2) with SIGPIPE blocked in this thread, so that a reader that has
// gone gives EPIPE (BrokenPipeError) rather than killing the process.
ssize_t write_without_sigpipe(int fd, const char* data, std::size_t size) {
  const pyproc::detail::SigpipeBlocked blocked;
  ssize_t n;
  do {
    n = sys().write(fd, data, size);
  } while (n < 0 && errno == EINTR);
  return n;
}

// subprocess.Popen.wait(): waitpid(pid, 0), EINTR retried; ECHILD (SIGCHLD
// ignored: the child was reaped by the kernel) reads as exit code 0.
int wait_returncode(pid_t pid) {
  int status = 0;
  pid_t waited;
  do {
    waited = sys().waitpid(pid, &status, 0);
  } while (waited < 0 && errno == EINTR);
  if (waited < 0) {
    if (errno == ECHILD) return 0;
    raise_os_error(errno);
  }
  return waitstatus_to_exitcode(status);
}

}  // namespace

namespace detail {

PopenFile popen_with_shell(const char* shell, const std::string& cmd, const std::string& mode,
                           int buffering) {
  if (mode != "r" && mode != "w") {
    throw ValueError("invalid mode " + pyproc::detail::py_str_repr(mode));
  }
  if (buffering == 0) throw ValueError("popen() does not support unbuffered streams");
  check_no_nul(cmd);
  const bool reading = mode == "r";

  int fds[2];
  if (sys().pipe2(fds, O_CLOEXEC) < 0) raise_os_error(errno);
  const int parent_end = reading ? fds[0] : fds[1];
  const int child_end = reading ? fds[1] : fds[0];

  // subprocess: args = ["/bin/sh", "-c", cmd], close_fds=True,
  // restore_signals=True; the child's end of the pipe becomes its fd 1 ("r")
  // or fd 0 ("w").
  const Args args = {shell, "-c", cmd};
  const ExecArgv argv(args);
  const char* const programs[] = {shell};
  pyproc::detail::LaunchPlan plan;
  plan.programs = programs;
  plan.program_count = 1;
  plan.argv = argv.get();
  plan.envp = ::environ;
  (reading ? plan.stdout_to : plan.stdin_from) = child_end;
  plan.close_other_fds = true;
  plan.default_sigpipe = true;
  const pyproc::detail::LaunchResult launched = pyproc::detail::launch(plan);
  sys().close(child_end);
  if (launched.pid < 0) {
    sys().close(parent_end);
    raise_os_error(launched.launch_errno);
  }
  if (launched.exec_errno != 0) {
    // subprocess reaps the child, then raises the child's errno naming the
    // executable.
    sys().close(parent_end);
    (void)wait_returncode(launched.pid);
    raise_os_error(launched.exec_errno, pyproc::detail::py_str_repr(shell));
  }
  return {launched.pid, parent_end, reading, buffering};
}

}  // namespace detail

PopenFile popen(const std::string& cmd, const std::string& mode, int buffering) {
  return detail::popen_with_shell("/bin/sh", cmd, mode, buffering);
}

PopenFile::PopenFile(pid_t pid, int fd, bool reading, int buffering) {
  s_.pid = pid;
  s_.fd = fd;
  s_.reading = reading;
  // subprocess: bufsize 1 is line buffering of the text layer.
  s_.line_buffering = buffering == 1;
  if (buffering > 1) s_.buffer_size = static_cast<std::size_t>(buffering);
}

PopenFile::PopenFile(PopenFile&& other) noexcept : s_(std::exchange(other.s_, State{})) {}

PopenFile& PopenFile::operator=(PopenFile&& other) noexcept {
  if (this != &other) {
    const PopenFile replaced(std::move(*this));  // closes what this held
    s_ = std::exchange(other.s_, State{});
  }
  return *this;
}

PopenFile::~PopenFile() {
  if (s_.pid < 0) return;  // moved from
  // A failed flush still closes the stream; a second close() then waits.
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      close();
      return;
    } catch (...) {  // a destructor reports nothing
    }
  }
}

void PopenFile::check_open() const {
  if (s_.fd < 0) throw ValueError("I/O operation on closed file.");
}

bool PopenFile::fill() {
  if (s_.eof) return false;
  char buf[8192];
  ssize_t n;
  do {
    n = sys().read(s_.fd, buf, sizeof buf);
  } while (n < 0 && errno == EINTR);
  if (n < 0) raise_os_error(errno);
  std::string chunk = s_.pending_cr ? "\r" : "";
  s_.pending_cr = false;
  chunk.append(buf, static_cast<std::size_t>(n));
  if (n == 0) {
    s_.eof = true;
  } else if (chunk.back() == '\r') {
    // "\r\n" may be split across reads: decide when the next byte is known.
    chunk.pop_back();
    s_.pending_cr = true;
  }
  pyproc::detail::translate_newlines(chunk);
  s_.in += chunk;
  return true;
}

std::string PopenFile::read(std::ptrdiff_t size) {
  check_open();
  if (!s_.reading) throw UnsupportedOperation("not readable");
  const auto wanted = static_cast<std::size_t>(size);
  while ((size < 0 || s_.in.size() < wanted) && fill()) {
  }
  const std::size_t n = size < 0 ? s_.in.size() : std::min(wanted, s_.in.size());
  std::string result = s_.in.substr(0, n);
  s_.in.erase(0, n);
  return result;
}

std::string PopenFile::readline(std::ptrdiff_t size) {
  check_open();
  if (!s_.reading) throw UnsupportedOperation("not readable");
  std::size_t n;
  for (;;) {
    const std::size_t newline = s_.in.find('\n');
    if (newline != std::string::npos) {
      n = newline + 1;
      break;
    }
    if (size >= 0 && s_.in.size() >= static_cast<std::size_t>(size)) {
      n = s_.in.size();
      break;
    }
    if (!fill()) {
      n = s_.in.size();
      break;
    }
  }
  if (size >= 0) n = std::min(n, static_cast<std::size_t>(size));
  std::string line = s_.in.substr(0, n);
  s_.in.erase(0, n);
  return line;
}

std::vector<std::string> PopenFile::readlines(std::ptrdiff_t hint) {
  std::vector<std::string> lines;
  std::size_t total = 0;
  for (;;) {
    std::string line = readline();
    if (line.empty()) return lines;
    total += line.size();
    lines.push_back(std::move(line));
    if (hint > 0 && total >= static_cast<std::size_t>(hint)) return lines;
  }
}

std::size_t PopenFile::write(std::string_view text) {
  check_open();
  if (s_.reading) throw UnsupportedOperation("not writable");
  s_.out += text;
  const bool has_newline = text.find_first_of("\n\r") != std::string_view::npos;
  if ((s_.line_buffering && has_newline) || s_.out.size() >= s_.buffer_size) {
    try {
      flush();
    } catch (const OSError&) {
      // io.BufferedWriter writes what exceeds its buffer straight through and
      // keeps none of it when that write fails; what fits stays buffered
      // (a later flush or close tries it again).
      if (s_.out.size() > s_.buffer_size) s_.out.clear();
      throw;
    }
  }
  return text.size();
}

void PopenFile::flush() {
  check_open();
  std::size_t done = 0;
  while (done < s_.out.size()) {
    const ssize_t n = write_without_sigpipe(s_.fd, s_.out.data() + done, s_.out.size() - done);
    if (n < 0) {
      const int write_errno = errno;
      s_.out.erase(0, done);  // what was not written stays buffered
      raise_os_error(write_errno);
    }
    done += static_cast<std::size_t>(n);
  }
  s_.out.clear();
}

int PopenFile::fileno() const {
  if (s_.fd < 0) throw ValueError("I/O operation on closed file");
  return s_.fd;
}

void PopenFile::reap() {
  if (!s_.returncode) s_.returncode = wait_returncode(s_.pid);
}

std::optional<int> PopenFile::close() {
  if (s_.fd >= 0) {
    std::exception_ptr flush_error;
    try {
      flush();
    } catch (...) {
      flush_error = std::current_exception();
    }
    // The stream is closed even when the flush failed, as in io's close().
    sys().close(s_.fd);
    s_.fd = -1;
    s_.out.clear();
    if (flush_error) std::rethrow_exception(flush_error);
  }
  reap();
  // _wrap_close.close(): None for 0, else returncode << 8 (-N << 8 after
  // signal N: Python's shift of a negative number is a multiplication).
  if (*s_.returncode == 0) return std::nullopt;
  return *s_.returncode * 256;
}

}  // namespace pyproc::os

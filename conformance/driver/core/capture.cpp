#include "core/capture.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "pyproc/exceptions.hpp"

namespace pyproc::driver {
namespace {

// Python's io.DEFAULT_BUFFER_SIZE: sys.stdout's buffer when not a terminal.
constexpr size_t kBufferSize = 8192;
// The end of the main stderr capture copied to the real stderr (the harness
// keeps no more, spec/protocol.md §5.2).
constexpr off_t kDiagnostics = 1 << 16;

void redirect(int from, int to) {
  while (::dup2(from, to) < 0)
    if (errno != EINTR) raise_os_error(errno);
}

void write_all(int fd, const std::string& data) {
  for (size_t done = 0; done < data.size();) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // diagnostics only: nowhere to report a failure
    done += static_cast<size_t>(n);
  }
}

// The length of the line break at text[i] (Python's str.splitlines()), or 0.
size_t line_break(const std::string& text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  const auto next = [&](size_t k) {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
  };
  if (c == '\r') return next(1) == '\n' ? 2 : 1;
  if (c == '\n' || c == '\v' || c == '\f' || (c >= 0x1c && c <= 0x1e)) return 1;
  if (c == 0xc2 && next(1) == 0x85) return 2;                                          // U+0085
  if (c == 0xe2 && next(1) == 0x80 && (next(2) == 0xa8 || next(2) == 0xa9)) return 3;  // U+2028/9
  return 0;
}

}  // namespace

int capture_file(const std::string& label) {
  if (const char* tmp = std::getenv("PYPROC_CASE_TMP"); tmp && *tmp) {
    constexpr int kFlags = O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
    for (int n = 0; n < 100; ++n) {
      const std::string name = n == 0 ? label : label + "." + std::to_string(n);
      const int fd = ::open((std::string(tmp) + "/" + name).c_str(), kFlags, 0600);
      if (fd >= 0) return fd;
      if (errno != EEXIST) break;  // not writable: a memory file then
    }
  }
  const int fd = ::memfd_create(label.c_str(), MFD_CLOEXEC);
  if (fd < 0) raise_os_error(errno);
  return fd;
}

MainCapture::MainCapture() {
  std::fflush(stdout);
  std::fflush(stderr);
  real_stdout_ = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  real_stderr_ = ::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
  if (real_stdout_ < 0 || real_stderr_ < 0) raise_os_error(errno);
  for (const auto& [name, target] :
       {std::pair{"stdout", STDOUT_FILENO}, {"stderr", STDERR_FILENO}}) {
    const int fd = capture_file(std::string("main-") + name);
    redirect(fd, target);
    ::close(fd);
  }
  std::setvbuf(stdout, nullptr, _IOFBF, kBufferSize);
  std::setvbuf(stderr, nullptr, _IOLBF, kBufferSize);
}

MainCapture::~MainCapture() { restore(); }

void MainCapture::restore() {
  if (real_stdout_ < 0) return;
  std::fflush(stdout);
  std::fflush(stderr);
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) == 0)
    write_all(real_stderr_,
              read_from(STDERR_FILENO, std::max<off_t>(0, st.st_size - kDiagnostics)));
  ::dup2(real_stdout_, STDOUT_FILENO);
  ::dup2(real_stderr_, STDERR_FILENO);
  ::close(real_stdout_);
  ::close(real_stderr_);
  real_stdout_ = real_stderr_ = -1;
}

CaptureFiles CaptureFiles::create(const std::string& name) {
  CaptureFiles files;
  files.stdout_fd = capture_file(name + "-stdout");
  try {
    files.stderr_fd = capture_file(name + "-stderr");
  } catch (...) {
    ::close(files.stdout_fd);
    throw;
  }
  return files;
}

void CaptureFiles::close() const {
  ::close(stdout_fd);
  ::close(stderr_fd);
}

void CaptureFiles::use() const {
  // Empty already (start() flushed them); flushed anyway, so that nothing
  // written before this point lands in the new files.
  std::fflush(stdout);
  std::fflush(stderr);
  redirect(stdout_fd, STDOUT_FILENO);
  redirect(stderr_fd, STDERR_FILENO);
}

std::string OutputPositions::read_new(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) raise_os_error(errno);
  off_t& position = read_[{st.st_dev, st.st_ino}];
  std::string data = read_from(fd, position);
  position += static_cast<off_t>(data.size());
  return data;
}

std::string read_from(int fd, off_t offset) {
  std::string data;
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::pread(fd, buffer, sizeof buffer, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) raise_os_error(errno);
    if (n == 0) return data;
    data.append(buffer, static_cast<size_t>(n));
    offset += n;
  }
}

std::vector<std::string> unindented_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  const auto keep = [&](size_t end) {
    if (end == start || (text[start] != ' ' && text[start] != '\t'))
      lines.push_back(text.substr(start, end - start));
  };
  for (size_t i = 0; i < text.size();) {
    if (const size_t n = line_break(text, i)) {
      keep(i);
      i += n;
      start = i;
    } else {
      ++i;
    }
  }
  if (start < text.size()) keep(text.size());
  return lines;
}

bool is_utf8(const std::string& text) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    // The continuation bytes of a sequence, and the least code point it may
    // hold (so that overlong forms are refused, as Python refuses them).
    size_t n = 0;
    unsigned least = 0;
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      least = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      least = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      least = 0x10000;
    } else if (c >= 0x80) {
      return false;
    }
    if (i + n >= text.size() && n > 0) return false;
    unsigned code = n > 0 ? c & (0x3fU >> n) : c;
    for (size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(text[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      code = (code << 6) | (d & 0x3fU);
    }
    // Surrogates and code points beyond Unicode are refused too.
    if (n > 0 && (code < least || (code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff))
      return false;
    i += n + 1;
  }
  return true;
}

}  // namespace pyproc::driver

// OSError's message and CPython's errno -> exception class table.
#include "pyproc/exceptions.hpp"

#include <cerrno>
#include <cstring>
#include <string>

namespace pyproc {
namespace {

// os.strerror(): glibc's text, "Unknown error N" for numbers it does not know.
// The GNU strerror_r is used because strerror() may share a static buffer
// between threads.
std::string strerror_text(int errno_value) {
  char buf[256];
  return ::strerror_r(errno_value, buf, sizeof buf);
}

// str(OSError(errno, text)) == "[Errno N] text".
std::string os_error_message(int errno_value, const std::string& text) {
  return "[Errno " + std::to_string(errno_value) + "] " + text;
}

}  // namespace

OSError::OSError(int errno_value) : OSError(errno_value, strerror_text(errno_value)) {}

OSError::OSError(int errno_value, std::string message)
    : Exception(os_error_message(errno_value, message)), errno_(errno_value) {}

// Objects/exceptions.c (_PyExc_InitState) maps these errno values to
// subclasses when an OSError is constructed; everything else stays OSError.
void raise_os_error(int errno_value) {
  switch (errno_value) {
    case EAGAIN:  // == EWOULDBLOCK on Linux
    case EALREADY:
    case EINPROGRESS:
      throw BlockingIOError(errno_value);
    case ECHILD:
      throw ChildProcessError(errno_value);
    case EPIPE:
    case ESHUTDOWN:
      throw BrokenPipeError(errno_value);
    case ECONNABORTED:
      throw ConnectionAbortedError(errno_value);
    case ECONNREFUSED:
      throw ConnectionRefusedError(errno_value);
    case ECONNRESET:
      throw ConnectionResetError(errno_value);
    case EEXIST:
      throw FileExistsError(errno_value);
    case ENOENT:
      throw FileNotFoundError(errno_value);
    case EISDIR:
      throw IsADirectoryError(errno_value);
    case ENOTDIR:
      throw NotADirectoryError(errno_value);
    case EINTR:
      throw InterruptedError(errno_value);
    case EACCES:
    case EPERM:
      throw PermissionError(errno_value);
    case ESRCH:
      throw ProcessLookupError(errno_value);
    case ETIMEDOUT:
      throw TimeoutError(errno_value);
    default:
      throw OSError(errno_value);
  }
}

// str(SystemExit(code)) is str(code); str(SystemExit()) is "".
SystemExit::SystemExit(std::int64_t code) : BaseException(std::to_string(code)), code_(code) {}

SystemExit::SystemExit(std::string code) : BaseException(code), code_(std::move(code)) {}

}  // namespace pyproc

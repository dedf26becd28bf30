#include "std_streams.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace pyproc::detail {

void flush_std_streams() noexcept {
  try {
    std::cout.flush();
    std::cerr.flush();
    std::clog.flush();
  } catch (...) {
    // A stream configured to throw on badbit: CPython ignores flush errors here too.
  }
  (void)std::fflush(nullptr);  // likewise: a failed flush is not reported
}

void close_stdin() noexcept {
  // std::cin reads through stdio's stdin, which reads fd 0: after this both
  // see end of file. Failures are ignored, as CPython ignores OSError here.
  ::close(STDIN_FILENO);
  // Not O_CLOEXEC: fd 0 is a standard stream, and a program the child execs
  // must find it open (as CPython's child does, whose fd 0 stays open).
  (void)::open("/dev/null", O_RDONLY);  // NOLINT(android-cloexec-open)
  std::clearerr(stdin);
}

}  // namespace pyproc::detail

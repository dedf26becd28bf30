#include "multiprocessing/std_streams.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <typeinfo>
#if defined(__GLIBCXX__)
#include <ext/stdio_sync_filebuf.h>
#endif

namespace pyproc::detail {
namespace {

// Whether `stream` may hold output of its own. With sync_with_stdio (the
// default) libstdc++'s standard streams write straight through to stdio
// (stdio_sync_filebuf, no buffer), so fflush() covers them, and not calling
// their flush() spares every child the page faults of running iostream code
// for the first time.
bool may_buffer(const std::ostream& stream) {
#if defined(__GLIBCXX__)
  const std::streambuf* buf = stream.rdbuf();
  return buf != nullptr && typeid(*buf) != typeid(__gnu_cxx::stdio_sync_filebuf<char>);
#else
  return stream.rdbuf() != nullptr;
#endif
}

}  // namespace

void flush_std_streams() noexcept {
  try {
    for (std::ostream* stream : {&std::cout, &std::cerr, &std::clog}) {
      if (may_buffer(*stream)) stream->flush();
    }
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
  // Written only when set: the FILE lives in libc's data, and an untouched
  // page is one copy-on-write fault fewer for every child.
  if (std::feof(stdin) != 0 || std::ferror(stdin) != 0) std::clearerr(stdin);
}

}  // namespace pyproc::detail

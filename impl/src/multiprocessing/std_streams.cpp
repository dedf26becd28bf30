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
  // sys.stdin.close(); sys.stdin = open(os.open(os.devnull, O_RDONLY)):
  // CPython's sys.stdin does not own fd 0 (closefd=False), so fd 0 stays as
  // it was, and a program the child runs inherits it; only the language's
  // own stdin reads /dev/null. In C++ that is stdio's stdin and std::cin.
  // Failures are ignored, as CPython ignores OSError here.
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  std::FILE* devnull = ::fdopen(fd, "r");
  if (devnull == nullptr) {
    ::close(fd);
    return;
  }
  // glibc's stdin is a variable (<stdio.h>: `extern FILE *stdin`). The old
  // FILE is left open, as its fd 0 is.
  stdin = devnull;
#if defined(__GLIBCXX__)
  // std::cin reads through a stdio_sync_filebuf of the FILE stdin was at
  // start-up; give it one of the new FILE (it lives as long as the child).
  static __gnu_cxx::stdio_sync_filebuf<char> cin_buf(devnull);
  static __gnu_cxx::stdio_sync_filebuf<wchar_t> wcin_buf(devnull);
  std::cin.rdbuf(&cin_buf);
  std::wcin.rdbuf(&wcin_buf);
  std::cin.clear();
  std::wcin.clear();
#endif
}

}  // namespace pyproc::detail

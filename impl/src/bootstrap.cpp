// The child's side of start(): BaseProcess._bootstrap and the os._exit() that
// popen_fork's child ends with.
//
// Hazard (as with CPython's fork start method): the child runs arbitrary code
// without exec. Only the forking thread exists in it; locks other threads of
// the parent held at fork time stay locked. glibc makes malloc and stdio safe
// across fork, and pyproc's own lock is handled with pthread_atfork, but a
// target must not rely on other locks its parent's threads may have held.
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <variant>

#include "pyproc/process.hpp"
#include "registry.hpp"
#include "std_streams.hpp"
#include "traceback.hpp"

#ifdef PYPROC_COVERAGE
extern "C" void __gcov_dump(void);
#endif

namespace pyproc {
namespace {

// A child that cannot write to its stderr has nowhere to report that either;
// CPython's child ignores it too.
void write_stderr(const std::string& text) {
  (void)std::fwrite(text.data(), 1, text.size(), stderr);
  (void)std::fflush(stderr);
}

// The exit status of a child ended by SystemExit(code), as _bootstrap
// computes it: None -> 0, an int -> itself, anything else -> printed, 1.
std::int64_t system_exit_status(const SystemExit& e) {
  if (std::holds_alternative<std::monostate>(e.code())) return 0;
  if (const auto* code = std::get_if<std::int64_t>(&e.code())) return *code;
  write_stderr(std::get<std::string>(e.code()) + "\n");
  return 1;
}

}  // namespace

void Process::bootstrap_child(int parent_sentinel) {
  std::int64_t exitcode = 1;
  try {
    detail::enter_child(this,
                        ParentProcess{parent_name_, parent_pid_.value_or(0), parent_sentinel});
    detail::close_stdin();
    // try: self.run() finally: util._exit_function() — children are joined
    // before an exception or SystemExit of run() is reported.
    try {
      run();
      exitcode = 0;
    } catch (...) {
      detail::exit_function();
      throw;
    }
    detail::exit_function();
  } catch (const SystemExit& e) {
    exitcode = system_exit_status(e);
  } catch (...) {
    // `except:` — every other exception, KeyboardInterrupt included.
    exitcode = 1;
    const std::exception_ptr error = std::current_exception();
    write_stderr("Process " + name_ + ":\n");
    detail::print_exception(error);
  }
  if (exitcode < INT_MIN || exitcode > INT_MAX) {
    // os._exit() takes a C int. CPython's child gets OverflowError from it
    // after _bootstrap, out of start(), in the code that called start();
    // that code has nothing to do there but let it go, which reports it and
    // ends the child with status 1 (MP-121). pyproc does the same here.
    detail::print_exception(
        std::make_exception_ptr(OverflowError("Python int too large to convert to C int")),
        "start");
    exitcode = 1;
  }
  detail::flush_std_streams();
#ifdef PYPROC_COVERAGE
  // _exit() skips the atexit hook that writes coverage counts.
  __gcov_dump();
#endif
  // os._exit(code): the kernel keeps the low 8 bits (-1 -> 255, 256 -> 0).
  ::_exit(static_cast<int>(exitcode & 0xFF));
}

}  // namespace pyproc

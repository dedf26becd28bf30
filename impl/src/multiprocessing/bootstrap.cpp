// The child's side of start(): BaseProcess._bootstrap and the os._exit() that
// popen_fork's child ends with.
//
// Hazard (as with CPython's fork start method): the child runs arbitrary code
// without exec. Only the forking thread exists in it; locks other threads of
// the parent held at fork time stay locked. glibc makes malloc and stdio safe
// across fork, and pyproc's own lock is handled with pthread_atfork, but a
// target must not rely on other locks its parent's threads may have held.
//
// Hazard: the child is a copy of the parent, atexit handlers and static
// objects included. std::exit() in a target would run them in the child
// (flushing the parent's buffers again, tearing down the parent's singletons);
// a target ends by returning, with throw SystemExit(code), or with
// exit_process(code), all of which end it as the bootstrap does, with _exit().
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C
#include <unistd.h>

#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <variant>

#include "core/at_fork.hpp"
#include "core/traceback.hpp"
#include "multiprocessing/popen_fork.hpp"
#include "multiprocessing/registry.hpp"
#include "multiprocessing/std_streams.hpp"
#include "pyproc/multiprocessing/process.hpp"

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

// Once the target is done, the child's own writes (a traceback, the final
// flush) must not raise SIGPIPE when their reader has gone: CPython ignores
// SIGPIPE and drops the error, and the exit code stays the target's.
void ignore_sigpipe() noexcept {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  (void)::sigaction(SIGPIPE, &ignore, nullptr);
}

// What exit_process() runs in a child, as the bootstrap does after run():
// the exit function, then the exit status (1 if the exit function raised).
std::int64_t finish_child(std::int64_t status, const std::string& name) {
  ignore_sigpipe();
  try {
    detail::exit_function();
    return status;
  } catch (...) {
    write_stderr("Process " + name + ":\n");
    detail::print_exception(std::current_exception());
    return 1;
  }
}

// os._exit(code), after the streams are flushed: the kernel keeps the low 8
// bits (-1 -> 255, 256 -> 0). Nothing the parent registered runs.
[[noreturn]] void end_child(std::int64_t status) {
  if (status < INT_MIN || status > INT_MAX) {
    // os._exit() takes a C int. CPython's child gets OverflowError from it
    // after _bootstrap, out of start(), in the code that called start();
    // that code has nothing to do there but let it go, which reports it and
    // ends the child with status 1 (MP-121). pyproc does the same here.
    detail::print_exception(
        std::make_exception_ptr(OverflowError("Python int too large to convert to C int")),
        "start");
    status = 1;
  }
  detail::flush_std_streams();
#ifdef PYPROC_COVERAGE
  // _exit() skips the atexit hook that writes coverage counts.
  __gcov_dump();
#endif
  ::_exit(static_cast<int>(status & 0xFF));
}

}  // namespace

void Process::bootstrap_child(int parent_sentinel, int sentinel_w) {
  std::int64_t exitcode = 1;
  // The child's own set-up, seen by nobody outside it, overlaps the parent's
  // pidfd_open(); nothing after await_go() may run before the parent's go.
  bool went = false;
  const auto go = [&] {
    if (!went) detail::await_go(parent_sentinel, sentinel_w);
    went = true;
  };
  try {
    // os.fork()'s after_in_child hooks run before _bootstrap, so they still
    // see the parent's current_process() and stdin. Others may see what they
    // do, so only after the go; the child's own set-up then no longer
    // overlaps the parent's pidfd_open().
    if (detail::any_after_fork_child_hook()) {
      go();
      detail::run_after_fork_child_hooks();
    }
    detail::enter_child(this,
                        ParentProcess{parent_name_, parent_pid_.value_or(0), parent_sentinel});
    detail::close_stdin();
    go();
    // try: self.run() finally: util._exit_function() — children are joined
    // before an exception or SystemExit of run() is reported.
    try {
      run();
      exitcode = 0;
    } catch (...) {
      ignore_sigpipe();
      detail::exit_function();
      throw;
    }
    ignore_sigpipe();
    detail::exit_function();
  } catch (const SystemExit& e) {
    exitcode = system_exit_status(e);
  } catch (...) {
    go();  // (set-up failed: report it only once the parent has confirmed)
    // `except:` — every other exception, KeyboardInterrupt included.
    exitcode = 1;
    const std::exception_ptr error = std::current_exception();
    write_stderr("Process " + name_ + ":\n");
    detail::print_exception(error);
  }
  end_child(exitcode);
}

void exit_process(int code) {
  Process* self = detail::current_override();
  // The main program: its atexit handlers are its own. std::exit() is not
  // thread-safe, and exit_process() there is documented as std::exit().
  if (self == nullptr) std::exit(code);  // NOLINT(concurrency-mt-unsafe)
  end_child(finish_child(code, self->name()));
}

}  // namespace pyproc

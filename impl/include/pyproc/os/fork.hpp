// os.fork(), os.forkpty() and os.register_at_fork(), with CPython 3.11's
// results, exception types and messages (Linux).
//
// Which launches run the at-fork hooks (checked against CPython 3.11.7):
//
//   os::fork(), os::forkpty(),     before, then after_in_parent in the parent
//   Process::start()               and after_in_child in the child: exactly
//                                  CPython's os.fork() (Process.start() with
//                                  the fork start method calls os.fork()).
//   os::spawn*()                   the same: all three lists (below).
//   os::system(), os::popen()      none, as in CPython (C system(), and
//                                  subprocess's vfork launcher, run no hooks;
//                                  pyproc::subprocess neither).
//
// spawn*: CPython's os.spawn* is Lib/os.py's _spawnvef, which calls
// os.fork() and execs in the child, so CPython runs all three hook lists.
// pyproc launches programs with a vfork-style clone that shares this
// process's memory until the exec, where no C++ code may run; so while no
// after_in_child hook is registered spawn*() runs `before` and
// `after_in_parent` around that clone (where CPython runs them: after the
// argv check, before the wait of p_wait; after_in_parent also when the
// launch fails), and once one is registered it forks as CPython does and the
// child runs the after_in_child hooks before its exec.
//
// Hooks and threads (spec/cpp-thread-contract.md, T12): register_at_fork()
// may be called from any thread at any time, a hook included. Hooks run in
// the thread that forks, outside every pyproc lock, so a hook may call
// pyproc (even fork). Two threads forking at once run the hooks concurrently:
// a hook shared by both must be thread-safe.
#pragma once

#include <sys/types.h>

#include <concepts>
#include <cstddef>
#include <functional>
#include <string>
#include <typeinfo>
#include <utility>

#include "pyproc/exceptions.hpp"  // IWYU pragma: export

namespace pyproc::os {

class ForkHook;
// What a ForkHook can be made of: a callable other than a ForkHook.
template <typename F>
concept HookCallable = std::invocable<F&> && !std::same_as<F, ForkHook>;

// A callable for register_at_fork(): anything invocable with no argument
// (its result is ignored, as CPython ignores a hook's return value). Empty
// (default, nullptr, an empty std::function) means "not given".
//
// repr() is how a report of a hook that threw names it, where CPython prints
// repr(hook) ("Exception ignored in: <function f at 0x7f...>"): the text
// given, else "<function T>" with T the callable's demangled C++ type.
class ForkHook {
 public:
  ForkHook() = default;
  ForkHook(std::nullptr_t) {}  // NOLINT(google-explicit-constructor): like std::function
  template <HookCallable F>
  ForkHook(F f, std::string repr = {})  // NOLINT(google-explicit-constructor)
      : type_(&type_of(f)), function_(std::move(f)), repr_(std::move(repr)) {}

  [[nodiscard]] explicit operator bool() const { return static_cast<bool>(function_); }
  void operator()() const { function_(); }
  [[nodiscard]] std::string repr() const;

 private:
  // The type behind a std::function, else the callable's own.
  template <typename F>
  static const std::type_info& type_of(const F& f) {
    if constexpr (requires { f.target_type(); }) {
      return f.target_type();
    } else {
      return typeid(F);
    }
  }

  // First: taken from `f` before `f` is moved into function_.
  const std::type_info* type_ = nullptr;
  std::function<void()> function_;
  std::string repr_;
};

// os.register_at_fork(*, before=None, after_in_child=None, after_in_parent=None):
// hooks that run around every fork (see the table above). `before` hooks run
// in reverse registration order, `after_in_parent` and `after_in_child` in
// registration order, as PyOS_BeforeFork / PyOS_AfterFork_Parent /
// PyOS_AfterFork_Child run them:
//  * each list is copied before it runs: a hook registered while a list runs
//    does not run in that round; an after_in_* hook registered by a `before`
//    hook does run after that same fork (the after lists are read after it);
//  * after_in_parent runs even when the fork fails, before the error is
//    raised; no hook runs when the call fails before forking;
//  * a hook that throws (anything, SystemExit included) is reported on
//    stderr the way CPython's sys.unraisablehook reports it, and the next
//    hook runs:
//        Exception ignored in: <repr of the hook>
//        Traceback (most recent call last):
//          File "<c++>", in before
//        RuntimeError: boom
//    (the indented line names the list: before, after_in_parent or
//    after_in_child; CPython's names the hook's frame).
// Hooks cannot be unregistered (nor in CPython); they live until exit, and a
// forked child inherits them.
//
// TypeError("At least one argument is required.") when all three are empty.
// CPython's other TypeError ("'before' must be callable, not int") has no
// counterpart: a ForkHook is callable or empty, and empty means "not given",
// so CPython's explicit `before=None` (also that TypeError) cannot be said.
// The parameters are in the order of this library's other documents
// (before, after_in_parent, after_in_child); CPython's are keyword-only.
void register_at_fork(ForkHook before = {}, ForkHook after_in_parent = {},
                      ForkHook after_in_child = {});

// os.fork(): 0 in the child, the child's pid in the parent. The OSError
// subclass of fork(2)'s errno on failure (BlockingIOError for EAGAIN,
// OSError for ENOMEM), after the after_in_parent hooks.
//
// Hazards, as with CPython's os.fork():
//  * The child is a copy of this process with one thread (the caller's); a
//    lock another thread held stays locked in it. glibc keeps malloc and
//    stdio usable; pyproc's own locks are safe (pthread_atfork).
//  * Nothing is flushed first (nor in CPython): output buffered in stdio or
//    std::cout is in both processes and is written twice if both flush it.
//  * The child should end with os::_exit() (or exec): std::exit() would run
//    the parent's atexit handlers and static destructors a second time.
//  * The caller reaps the child (os::waitpid); pyproc does not track it.
[[nodiscard]] pid_t fork();

// os.forkpty(): a child whose controlling terminal is a new pseudo-terminal,
// as fds 0, 1 and 2 and in a session of its own; the parent gets the
// terminal's master side. {pid, master fd} in the parent, {0, -1} in the
// child, as in CPython. The OSError subclass of the errno of opening the
// terminal or of forking on failure (after the after_in_parent hooks, as in
// CPython, whose forkpty(3) opens the terminal after the before hooks); no
// fd is left open then. (CPython's os.forkpty() reads errno only after those
// hooks, so a hook that leaves errno changed changes what it raises:
// FileNotFoundError instead of EMFILE's OSError after a hook that failed an
// os.stat(), seen with 3.11.7, 3.12.1 and 3.13.0. pyproc raises the error of
// the call that failed, as CPython's os.fork() does.)
//
// The master fd is O_CLOEXEC (non-inheritable), atomically, as every fd
// pyproc opens: a program that another thread launches at the same moment
// must not inherit it. CPython's os.forkpty() returns an inheritable master
// fd (os.get_inheritable(fd) is True in 3.8-3.13, glibc's forkpty() opens it
// without O_CLOEXEC): this is a deliberate difference. The parent closes the
// master fd. The hazards of fork() apply.
struct ForkptyResult {
  pid_t pid;
  int fd;
  bool operator==(const ForkptyResult&) const = default;
};
[[nodiscard]] ForkptyResult forkpty();

}  // namespace pyproc::os

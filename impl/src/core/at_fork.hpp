// The hooks of os.register_at_fork() and the three places that run them
// (Modules/posixmodule.c: PyOS_BeforeFork, PyOS_AfterFork_Parent,
// PyOS_AfterFork_Child). Every launch that forks calls them: os::fork(),
// os::forkpty(), Popen::launch() (Process::start()), and spawn*() without
// the child side (pyproc/os/fork.hpp says why).
//
// Thread-safe: the lists are guarded by one mutex, held only to append or
// copy, never while a hook runs; pthread_atfork holds it across every
// fork(), so a child can read the lists even if another thread of its parent
// was registering at that moment.
#pragma once

#include <memory>
#include <string>

namespace pyproc::detail {

// One registered hook, as the lists hold it: os::register_at_fork() wraps
// the user's os::ForkHook in one (os/fork.cpp), so that this registry, which
// multiprocessing's Process::start() runs too, needs nothing of os.
class AtForkHook {
 public:
  AtForkHook(const AtForkHook&) = delete;
  AtForkHook& operator=(const AtForkHook&) = delete;
  AtForkHook(AtForkHook&&) = delete;
  AtForkHook& operator=(AtForkHook&&) = delete;
  virtual void operator()() const = 0;
  // How a report of this hook throwing names it (CPython's repr(hook)).
  [[nodiscard]] virtual std::string repr() const = 0;

 protected:
  AtForkHook() = default;
  // Not virtual: a hook is owned by the shared_ptr make_shared made for its
  // own class, which destroys it as that class, never through this one.
  ~AtForkHook() = default;
};

// Appends each non-null hook to its list, all three under one lock (so that a
// fork sees all of one registration or none of it).
void add_at_fork_hooks(std::shared_ptr<const AtForkHook> before,
                       std::shared_ptr<const AtForkHook> after_in_parent,
                       std::shared_ptr<const AtForkHook> after_in_child);

// Each runs a copy of its list, taken when it starts (a hook registered
// meanwhile waits for the next fork), and reports a hook that throws the way
// CPython's PyErr_WriteUnraisable() does, then goes on. None throws.
//
// The `before` hooks, latest registered first. In the parent, before fork().
void run_before_fork_hooks() noexcept;
// The after_in_parent hooks, in registration order. In the parent once
// fork() has returned, whether it succeeded or not.
void run_after_fork_parent_hooks() noexcept;
// The after_in_child hooks, in registration order. In the child.
void run_after_fork_child_hooks() noexcept;
// Whether any after_in_child hook is registered.
bool any_after_fork_child_hook() noexcept;

// Runs the after_in_parent hooks when it goes out of scope, however that
// happens: a launch creates it as soon as fork() has returned in the parent,
// so the hooks run before its error is raised or before it returns.
class AfterForkInParent {
 public:
  AfterForkInParent() = default;
  ~AfterForkInParent() { run_after_fork_parent_hooks(); }
  AfterForkInParent(const AfterForkInParent&) = delete;
  AfterForkInParent& operator=(const AfterForkInParent&) = delete;
  AfterForkInParent(AfterForkInParent&&) = delete;
  AfterForkInParent& operator=(AfterForkInParent&&) = delete;
};

// Forgets every hook. For tests, which register hooks for one test at a time
// in a process that runs many; a program has no use for it (CPython has no
// such thing).
void clear_at_fork_hooks();

}  // namespace pyproc::detail

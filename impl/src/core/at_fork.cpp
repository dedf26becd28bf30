// The lists of os.register_at_fork() and the running of their hooks
// (Modules/posixmodule.c: run_at_forkers); os/fork.cpp registers into them.
#include "core/at_fork.hpp"

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/traceback.hpp"

namespace pyproc::detail {
namespace {

// Shared, so that a copy of a list (taken to run it) calls the registered
// callables themselves, whose state a hook may change, not copies of them.
using HookList = std::vector<std::shared_ptr<const AtForkHook>>;

struct Hooks {
  std::mutex mu;
  HookList before;
  HookList after_in_parent;
  HookList after_in_child;
};

// Never destroyed: a fork may happen while static objects are destroyed.
Hooks& hooks() {
  static Hooks* const h = [] {
    auto* created = new Hooks;
    // Held across fork(): the child may read the lists (after_in_child)
    // whatever another thread of the parent was doing with them.
    ::pthread_atfork([] { hooks().mu.lock(); }, [] { hooks().mu.unlock(); },
                     [] { hooks().mu.unlock(); });
    return created;
  }();
  return *h;
}

// PyErr_WriteUnraisable(hook) under the default sys.unraisablehook:
// "Exception ignored in: <repr>", then the traceback, in one write.
void report_unraisable(const std::string& repr, const char* list) noexcept {
  try {
    const std::string text =
        "Exception ignored in: " + repr + "\n" + format_exception(std::current_exception(), list);
    // Nowhere to report a failed write to stderr.
    (void)std::fputs(text.c_str(), stderr);
    (void)std::fflush(stderr);
  } catch (...) {  // no memory for the text: CPython would fail to print it too
  }
}

// run_at_forkers(): a copy of the list, reversed for `before`; each hook's
// exception is reported and the next hook runs.
void run(HookList Hooks::*list, bool reverse, const char* name) noexcept {
  HookList copy;
  try {
    Hooks& h = hooks();
    const std::lock_guard lock(h.mu);
    copy = h.*list;
  } catch (...) {  // no memory for the copy (CPython: PyErr_WriteUnraisable(list))
    report_unraisable("<" + std::string(name) + " hooks>", name);
    return;
  }
  if (reverse) std::reverse(copy.begin(), copy.end());
  for (const auto& hook : copy) {
    try {
      (*hook)();
    } catch (...) {
      report_unraisable(hook->repr(), name);
    }
  }
}

}  // namespace

void run_before_fork_hooks() noexcept { run(&Hooks::before, true, "before"); }
void run_after_fork_parent_hooks() noexcept {
  run(&Hooks::after_in_parent, false, "after_in_parent");
}
void run_after_fork_child_hooks() noexcept { run(&Hooks::after_in_child, false, "after_in_child"); }

bool any_after_fork_child_hook() noexcept {
  Hooks& h = hooks();
  const std::lock_guard lock(h.mu);
  return !h.after_in_child.empty();
}

void add_at_fork_hooks(std::shared_ptr<const AtForkHook> before,
                       std::shared_ptr<const AtForkHook> after_in_parent,
                       std::shared_ptr<const AtForkHook> after_in_child) {
  Hooks& h = hooks();
  const std::lock_guard lock(h.mu);
  if (before) h.before.push_back(std::move(before));
  if (after_in_parent) h.after_in_parent.push_back(std::move(after_in_parent));
  if (after_in_child) h.after_in_child.push_back(std::move(after_in_child));
}

void clear_at_fork_hooks() {
  Hooks& h = hooks();
  const std::lock_guard lock(h.mu);
  h.before.clear();
  h.after_in_parent.clear();
  h.after_in_child.clear();
}

}  // namespace pyproc::detail

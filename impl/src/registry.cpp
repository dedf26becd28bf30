#include "registry.hpp"

#include <pthread.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>
#include <optional>
#include <utility>

#include "traceback.hpp"

namespace pyproc::detail {
namespace {

struct Orphan {
  std::unique_ptr<Popen> popen;
  bool daemon;
};

struct State {
  std::mutex mu;
  int counter = 1;
  std::vector<Process*> children;
  std::vector<Orphan> orphans;
  Process* current = nullptr;  // nullptr: the MainProcess
  std::optional<ParentProcess> parent;
  bool exiting = false;
  bool exit_function_registered = false;
};

// Never destroyed: exit_function() runs from atexit, and Process objects with
// static storage may be destroyed after it; both need the state intact.
State& state() {
  static State* const s = [] {
    auto* created = new State;
    pthread_atfork([] { state().mu.lock(); }, [] { state().mu.unlock(); },
                   [] { state().mu.unlock(); });
    return created;
  }();
  return *s;
}

}  // namespace

int next_process_count() {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.counter++;
}

void add_child(Process* child) {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (std::find(s.children.begin(), s.children.end(), child) == s.children.end()) {
    s.children.push_back(child);
  }
}

void discard_child(Process* child) {
  State& s = state();
  std::lock_guard lock(s.mu);
  std::erase(s.children, child);
}

void cleanup() {
  State& s = state();
  std::lock_guard lock(s.mu);
  // exitcode() is a WNOHANG poll. The lock is held so that no other thread
  // can destroy a listed child meanwhile (~Process discards it under the lock).
  std::erase_if(s.children, [](Process* p) { return p->exitcode().has_value(); });
  std::erase_if(s.orphans, [](Orphan& o) { return o.popen->poll().has_value(); });
}

std::vector<Process*> children_snapshot() {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.children;
}

void adopt_orphan(std::unique_ptr<Popen> popen, bool daemon) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.orphans.push_back({std::move(popen), daemon});
}

void enter_child(Process* self, ParentProcess parent) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.counter = 1;
  s.children.clear();
  // Their fds are copies the child inherited; CPython leaves those open too.
  for (Orphan& o : s.orphans) o.popen->forget();
  s.orphans.clear();
  s.current = self;
  s.parent = std::move(parent);
}

Process* current_override() {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.current;
}

void exit_function() {
  State& s = state();
  {
    std::lock_guard lock(s.mu);
    if (s.exiting) return;
    s.exiting = true;
  }
  // Daemonic children first, so that joining the rest cannot wait on them.
  for (Process* p : active_children()) {
    if (p->daemon()) p->terminate();
  }
  std::vector<Orphan> orphans;
  {
    std::lock_guard lock(s.mu);
    for (Orphan& o : s.orphans) {
      if (o.daemon) o.popen->terminate();
    }
    orphans = std::move(s.orphans);
    s.orphans.clear();
  }
  for (Process* p : active_children()) p->join();
  for (Orphan& o : orphans) o.popen->wait(std::nullopt);
}

void register_exit_function() {
  State& s = state();
  std::lock_guard lock(s.mu);
  if (s.exit_function_registered) return;
  const int failed = std::atexit([] {
    // An exception cannot leave an atexit handler; report it the way
    // CPython's atexit module reports one and go on exiting. A failed write
    // to stderr has nowhere to be reported.
    try {
      exit_function();
    } catch (...) {
      (void)std::fputs("Exception ignored in atexit callback: pyproc::detail::exit_function\n",
                       stderr);
      print_exception(std::current_exception());
    }
  });
  // glibc's atexit() fails only when it cannot allocate: CPython's
  // atexit.register() would raise MemoryError. start() fails before forking.
  if (failed != 0) throw std::bad_alloc();
  s.exit_function_registered = true;
}

}  // namespace pyproc::detail

namespace pyproc {

Process& current_process() {
  if (Process* current = detail::current_override()) return *current;
  // Made on first use and never destroyed: children, at-exit code and static
  // Process objects may all still refer to it during exit.
  static auto* const main_process = new Process(Process::MainTag{});
  return *main_process;
}

std::optional<ParentProcess> parent_process() {
  detail::State& s = detail::state();
  std::lock_guard lock(s.mu);
  return s.parent;
}

std::vector<Process*> active_children() {
  detail::cleanup();
  return detail::children_snapshot();
}

}  // namespace pyproc

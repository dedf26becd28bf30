#include "multiprocessing/registry.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>
#include <optional>
#include <utility>

#include "core/syscalls.hpp"
#include "core/traceback.hpp"

namespace pyproc::detail {
namespace {

struct Orphan {
  std::unique_ptr<Popen> popen;
  bool daemon;
};

struct Child {
  Process* process;
  Popen* popen;  // owned by *process, alive while registered
};

struct State {
  std::mutex mu;
  int counter = 1;
  std::vector<Child> children;
  std::vector<Orphan> orphans;
  // Read without the mutex by current_process(), on every is_alive().
  // Written only by enter_child(), in a child that has one thread.
  std::atomic<Process*> current{nullptr};  // nullptr: the MainProcess
  std::optional<ParentProcess> parent;
  bool exiting = false;
  bool exit_function_registered = false;
  // Set when a Popen learns an exit code (join, is_alive, exitcode in any
  // thread); cleared by the cleanup() that then forgets those children. Here
  // rather than a global of its own: this page is written anyway.
  std::atomic<bool> child_ended{false};
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

// Whether any child of this process (ours or other code's) has ended and is
// still waitable. WNOWAIT leaves it waitable for whoever owns it. A hint: an
// error other than ECHILD (no child at all) answers "maybe".
bool any_child_ended() {
  siginfo_t info{};  // si_pid stays 0 when no child has ended
  int result;
  do {
    result = syscalls().waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT);
  } while (result < 0 && errno == EINTR);
  if (result < 0) return errno != ECHILD;
  return info.si_pid != 0;
}

// Reaps, with one poll() over their pidfds, every child and orphan that has
// ended. A child without a pidfd is asked by pid (waitpid(WNOHANG), CPython's
// sweep): its pipe sentinel is no sign of its end (a grandchild may hold it).
// Called with the mutex held.
void reap_ended(State& s) {
  std::vector<pollfd> fds;
  std::vector<Popen*> popens;
  auto consider = [&](Popen* popen) {
    if (popen->returncode() || popen->sentinel() < 0) return;
    if (!popen->uses_pidfd()) {
      (void)popen->poll();
      return;
    }
    fds.push_back({popen->sentinel(), POLLIN, 0});
    popens.push_back(popen);
  };
  for (const Child& c : s.children) consider(c.popen);
  for (const Orphan& o : s.orphans) consider(o.popen.get());
  if (fds.empty()) return;
  int ready;
  do {
    ready = syscalls().poll(fds.data(), fds.size(), 0);
  } while (ready < 0 && errno == EINTR);
  for (std::size_t i = 0; i < fds.size(); ++i) {
    // On a poll() failure, fall back to asking each child (CPython's sweep).
    if (ready < 0 || fds[i].revents != 0) (void)popens[i]->poll();
  }
}

}  // namespace

void note_child_ended() noexcept { state().child_ended.store(true, std::memory_order_release); }

int next_process_count() {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.counter++;
}

void add_child(Process* child, Popen* popen) {
  State& s = state();
  std::lock_guard lock(s.mu);
  const auto same = [child](const Child& c) { return c.process == child; };
  if (std::find_if(s.children.begin(), s.children.end(), same) == s.children.end()) {
    s.children.push_back({child, popen});
  }
}

void discard_child(Process* child) {
  State& s = state();
  std::lock_guard lock(s.mu);
  // Searched from the end: the child joined is most often a recent one.
  const auto it = std::find_if(s.children.rbegin(), s.children.rend(),
                               [child](const Child& c) { return c.process == child; });
  if (it != s.children.rend()) s.children.erase(std::next(it).base());
}

void move_child(Process* from, Process* to) noexcept {
  State& s = state();
  std::lock_guard lock(s.mu);
  for (Child& c : s.children) {
    if (c.process == from) {
      c.process = to;
      return;
    }
  }
}

void cleanup() {
  State& s = state();
  // The lock is held throughout, so that no other thread can free a listed
  // Popen meanwhile (close() and ~Process discard the child first).
  std::lock_guard lock(s.mu);
  if (s.children.empty() && s.orphans.empty()) return;
  // Exchanged before the sweep: a code learnt while it runs sets it again.
  const bool learnt = s.child_ended.exchange(false, std::memory_order_acq_rel);
  const bool ended = any_child_ended();
  if (!learnt && !ended) return;  // nothing to forget, nothing to reap
  if (ended) reap_ended(s);
  std::erase_if(s.children, [](const Child& c) { return c.popen->returncode().has_value(); });
  std::erase_if(s.orphans, [](const Orphan& o) { return o.popen->returncode().has_value(); });
}

std::vector<Process*> children_snapshot() {
  State& s = state();
  std::lock_guard lock(s.mu);
  std::vector<Process*> out;
  out.reserve(s.children.size());
  for (const Child& c : s.children) out.push_back(c.process);
  return out;
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
  s.current.store(self, std::memory_order_release);
  s.parent = std::move(parent);
}

Process* current_override() { return state().current.load(std::memory_order_acquire); }

void exit_function() {
  State& s = state();
  {
    std::lock_guard lock(s.mu);
    if (s.exiting) return;
    s.exiting = true;
    if (s.children.empty() && s.orphans.empty()) return;  // most children have none
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

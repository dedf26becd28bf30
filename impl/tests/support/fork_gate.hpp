// ForkGate: keeps a test's other threads out of the allocator while one
// thread forks, in sanitizer builds only.
//
// Why: the allocators of GCC 12's libasan and libtsan are not fork-safe. A
// child forked while another thread holds one of their size-class locks
// blocks forever on its first allocation from that class (libasan exports no
// fork interceptor at all; `nm -D libasan.so.8 | grep fork` shows only
// vfork; LLVM added the atfork locking later, google/sanitizers#1814). Seen
// in CI and reproduced here: a Process child stuck in
// SizeClassAllocator64::GetFromAllocator under fdopen() in close_stdin(),
// its parent in join(). glibc's malloc, which the default build uses, is
// fork-safe, and pyproc's own locks are (pthread_atfork).
//
// How: every thread of a test holds a Section (a shared lock) around what it
// does, and a `before` fork hook (pyproc::os::register_at_fork, which runs
// outside every pyproc lock) takes the lock exclusively: the fork waits
// until no other thread is inside a Section. A thread that forks from inside
// its own Section gives it up for the fork and takes it back after. The lock
// prefers writers, so a thread looping on Sections cannot starve a fork.
// Everything else still runs concurrently: sweeps, joins, closes and starts
// of different threads overlap as before; only the fork instant is alone.
//
// In a build without a sanitizer the gate does nothing, so forks race
// allocations there, as they do in production.
#pragma once

#include <pthread.h>

#include <mutex>

#include "pyproc/os/fork.hpp"

namespace pyproc::testing {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kForkGateActive = true;
#else
inline constexpr bool kForkGateActive = false;
#endif

class ForkGate {
 public:
  // A shared hold of the gate for the current scope; not reentrant.
  class Section {
   public:
    Section() {
      if (!kForkGateActive) return;
      install();
      ::pthread_rwlock_rdlock(&lock());
      held() = true;
    }
    ~Section() {
      if (!kForkGateActive) return;
      held() = false;
      ::pthread_rwlock_unlock(&lock());
    }
    Section(const Section&) = delete;
    Section& operator=(const Section&) = delete;
  };

  // Registers the fork hooks, once (a Section does it too). A test whose
  // other threads start before its first Section should call it first, so
  // that no fork of it goes ungated.
  static void install() {
    if (!kForkGateActive) return;
    const std::lock_guard guard(install_mu());
    if (installed()) return;
    installed() = true;
    os::register_at_fork(
        [] {
          if (held()) ::pthread_rwlock_unlock(&lock());
          ::pthread_rwlock_wrlock(&lock());
        },
        [] {
          ::pthread_rwlock_unlock(&lock());
          if (held()) ::pthread_rwlock_rdlock(&lock());
        },
        // The child is a copy with one thread; the lock it inherited is
        // write-held under the parent thread's id, so it is made anew.
        [] {
          const pthread_rwlock_t fresh = PTHREAD_RWLOCK_INITIALIZER;
          lock() = fresh;
        });
  }

  // For tests that empty pyproc's hook lists (detail::clear_at_fork_hooks()):
  // the gate's hooks went with them, and the next install() registers them
  // again.
  static void forget() {
    const std::lock_guard guard(install_mu());
    installed() = false;
  }

 private:
  static pthread_rwlock_t& lock() {
    static pthread_rwlock_t rwlock = [] {
      pthread_rwlockattr_t attr;
      ::pthread_rwlockattr_init(&attr);
      ::pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
      pthread_rwlock_t made;
      ::pthread_rwlock_init(&made, &attr);
      ::pthread_rwlockattr_destroy(&attr);
      return made;
    }();
    return rwlock;
  }
  static std::mutex& install_mu() {
    static std::mutex mu;
    return mu;
  }
  static bool& installed() {
    static bool registered = false;
    return registered;
  }
  // Whether this thread is inside a Section.
  static bool& held() {
    thread_local bool in_section = false;
    return in_section;
  }
};

}  // namespace pyproc::testing

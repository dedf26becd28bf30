// The cases this process is running right now, so that whoever stops the
// runner (Ctrl-C, SIGTERM, SIGHUP) does not orphan them: every live case is
// ended before the runner dies of the signal with the conventional status.
// A runner killed outright (SIGKILL) is covered by the warden's lifeline
// (conformance/warden/main.cpp), not by this.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <vector>

namespace pyproc::harness {

// One running case, as its warden is known to the harness.
struct LiveCase {
  pid_t warden = -1;
  int warden_pidfd = -1;
  bool namespaced = false;
};

class LiveCases {
 public:
  static LiveCases& instance();

  // Held while a case is launched and registered, while one is removed, and
  // while strays are looked for, so that a warden is never taken for a stray.
  std::mutex& mutex() { return mutex_; }
  // Callers hold mutex().
  void add(const LiveCase* live) { cases_.push_back(live); }
  void remove(const LiveCase* live);
  [[nodiscard]] std::vector<pid_t> wardens() const;

  // Ends every live case now (SIGKILL to each warden's namespace, or to
  // everything below a subreaper warden and the warden) and waits, bounded,
  // until their wardens have ended. Takes mutex().
  void end_all();

 private:
  std::mutex mutex_;
  std::vector<const LiveCase*> cases_;
};

// Makes SIGINT, SIGTERM and SIGHUP end every live case before the process
// dies of them. Call it at the start of main(), before any other thread
// exists: it blocks those signals in the calling thread (threads created
// later inherit the mask) and hands them to a thread of its own.
void end_cases_on_interrupt();

}  // namespace pyproc::harness

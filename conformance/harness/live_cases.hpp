// The cases this process is running right now, so that whoever stops the
// runner (Ctrl-C, SIGTERM, SIGHUP) does not orphan them: every live case is
// ended before the runner dies of the signal with the conventional status.
// A runner killed outright (SIGKILL) is covered by the warden's lifeline
// (conformance/warden/main.cpp), not by this.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <string>
#include <vector>

namespace pyproc::harness {

// One running case, as its warden is known to the harness.
struct LiveCase {
  pid_t warden = -1;
  int warden_pidfd = -1;
  bool namespaced = false;
  std::string scratch;  // the case's scratch directory, removed by end_all()
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
  // The runner's sweeper (pyproc-warden --sweep), started with the first
  // scratch directory: it removes the scratch directories of a runner that
  // died without removing them (SIGKILL). Each call takes mutex().
  void scratch_made(const std::string& path);
  void scratch_removed(const std::string& path);
  // Its pid, once started (callers hold mutex()).
  [[nodiscard]] pid_t sweeper() const { return sweeper_; }

  // Whether end_all() has begun (callers hold mutex()).
  [[nodiscard]] bool stopping() const { return stopping_; }

  // Ends every live case now (SIGKILL to each warden's namespace, or to
  // everything below a subreaper warden and the warden), waits, bounded,
  // until their wardens have ended, and removes their scratch directories.
  // Takes mutex().
  void end_all();

 private:
  std::mutex mutex_;
  std::vector<const LiveCase*> cases_;
  bool stopping_ = false;
  pid_t sweeper_ = -1;
  int sweeper_channel_ = -1;
  void tell_sweeper(const std::string& line);
};

// Makes SIGINT, SIGTERM and SIGHUP end every live case before the process
// dies of them. Call it at the start of main(), before any other thread
// exists: it blocks those signals in the calling thread (threads created
// later inherit the mask) and hands them to a thread of its own.
void end_cases_on_interrupt();

}  // namespace pyproc::harness

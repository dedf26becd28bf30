// The processes below a given one, read from /proc, and how to end them all.
//
// Used on both sides of a case's isolation (spec/protocol.md §8): by the
// warden, which supervises one case, and by the harness. A process is "below"
// the root when its chain of parents reaches the root; since the warden is the
// reaper of its case (pid 1 of a PID namespace, or a child subreaper), every
// process a case starts stays below it, whatever it does with sessions and
// process groups.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <vector>

namespace pyproc::harness {

struct ProcessEntry {
  pid_t pid = 0;
  pid_t parent = 0;
  char state = '?';  // as /proc/<pid>/stat gives it: R, S, D, T, t, Z, X, ...
  [[nodiscard]] bool ended() const { return state == 'Z' || state == 'X'; }
};

// Every process below `root` (not `root` itself), zombies included, as one
// scan of /proc saw them. `excluded` roots and everything below them are left
// out (the other live cases of a harness that runs several at once).
std::vector<ProcessEntry> processes_below(pid_t root, const std::vector<pid_t>& excluded = {});

// Those of processes_below() that have not ended.
std::vector<ProcessEntry> running_below(pid_t root, const std::vector<pid_t>& excluded = {});

// Sends SIGKILL to every process below `root` that has not ended, scanning
// again after each round (a process may fork while it is being killed) until
// a scan finds none or `deadline` passes. Each signal goes through a pidfd
// opened after the process was found and checked again, so a pid that was
// reused meanwhile is never signalled. Returns true when none is left running.
bool kill_all_below(pid_t root, std::chrono::steady_clock::time_point deadline,
                    const std::vector<pid_t>& excluded = {});

// Waits until every process in `processes` has ended (pidfds, not sleeps) or
// `deadline` passes; returns those still running then.
std::vector<ProcessEntry> wait_until_ended(const std::vector<ProcessEntry>& processes,
                                           std::chrono::steady_clock::time_point deadline);

}  // namespace pyproc::harness

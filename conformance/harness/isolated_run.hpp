// Runs one driver command in isolation: its own process group, stdin from
// /dev/null, stdout and stderr captured, a wall-clock limit, and a check that
// nothing of it is left behind afterwards (spec/protocol.md §8).
#pragma once

#include <string>
#include <vector>

namespace pyproc::harness {

struct IsolatedRun {
  bool started = false;  // false: the command could not be executed at all
  bool hung = false;     // the time limit ran out; the group was killed
  int exit_status = -1;  // exit status if it exited, else -1
  int term_signal = 0;   // the signal that killed it, else 0
  int leftovers = 0;     // processes of the group still running, or zombies, after it exited
  std::string out;       // everything written to stdout
  std::string err;       // everything written to stderr
  std::string error;     // why it could not start
};

// Runs `argv` (argv[0] looked up in PATH) and waits at most `timeout_seconds`.
// The calling process becomes a child subreaper for its lifetime so that
// orphans of the command are its to find and reap.
IsolatedRun run_isolated(const std::vector<std::string>& argv, double timeout_seconds);

}  // namespace pyproc::harness

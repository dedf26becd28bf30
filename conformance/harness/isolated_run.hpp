// Runs one driver command in isolation (spec/protocol.md §8): supervised by a
// warden (conformance/warden) that is pid 1 of a PID namespace of the case's
// own where the machine allows it, else a child subreaper; stdin from
// /dev/null; stdout and stderr captured within bounds; a wall-clock limit that
// holds whatever the driver does; and nothing of the case left running after.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pyproc::harness {

enum class Isolation {
  Automatic,     // a PID namespace if the machine allows it, else a subreaper
                 // (or a subreaper whenever PYPROC_ISOLATION=subreaper)
  PidNamespace,  // a PID namespace or nothing (the run fails to start)
  Subreaper,     // the fallback, on purpose (to test it)
};

struct IsolationOptions {
  Isolation isolation = Isolation::Automatic;
  // The driver's whole environment, "NAME=value" entries: nothing of the
  // harness's own environment reaches it (spec/protocol.md §5.1).
  std::vector<std::string> environment = {};
  // The driver's working directory; empty: the harness's own. In a PID
  // namespace the driver sees the machine read-only (§8) except this
  // directory, /dev/shm, /dev/mqueue and `writable`.
  std::string working_directory = {};
  std::vector<std::string> writable = {};
  // The case's scratch directory, removed by end_all() when the runner is
  // stopped by SIGINT, SIGTERM or SIGHUP (live_cases.hpp).
  std::string scratch_directory = {};
  // More than this on stdout ends the case (a CRASH): nothing a driver prints
  // may exhaust the harness's memory.
  std::size_t max_output_bytes = 16u << 20;
  // Only the end of stderr is kept (where the reason usually is).
  std::size_t kept_error_bytes = 64u << 10;
};

struct IsolatedRun {
  bool started = false;          // false: the driver could not be run at all (see error)
  bool hung = false;             // the time limit ran out; the case was ended
  bool output_overflow = false;  // stdout passed max_output_bytes; the case was ended
  bool supervisor_lost = false;  // the case killed its warden (possible only as a subreaper)
  int exit_status = -1;          // exit status if the driver exited, else -1
  int term_signal = 0;           // the signal that killed the driver, else 0
  int leftovers = 0;             // processes of the case still running after the driver ended
  std::string out;               // what the driver wrote to stdout (at most max_output_bytes)
  std::string err;               // the end of what was written to stderr
  std::string error;             // why it could not start
  const char* isolation = "";    // "pid namespace" or "subreaper": what was used
};

// Runs `argv` (argv[0] looked up in PATH) and waits at most `timeout_seconds`
// (any positive number; absurd values are capped, never overflow).
IsolatedRun run_isolated(const std::vector<std::string>& argv, double timeout_seconds,
                         const IsolationOptions& options = {});

}  // namespace pyproc::harness

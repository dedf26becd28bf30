// Interprets a case's steps (spec/protocol.md §4): the main process runs the
// case's "steps", and every child runs its own list through the same
// interpreter. The core runs what every list has (events, the ending ops,
// `fork`, the ops of program.hpp); each family's ops come from the registry
// (registry.hpp): multiprocessing's `new`, `start`, `join`, …
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/capture.hpp"
#include "core/events.hpp"
#include "core/frame.hpp"
#include "core/program.hpp"
#include "core/report_channel.hpp"
#include "core/values.hpp"

namespace pyproc::driver {

class Script {
 public:
  // Receives the observation of step `index`.
  using Emit = std::function<void(size_t index, const nlohmann::json& observation)>;

  Script(Events& events, ReportChannel& channel, const Paths& paths);

  // Whether step() knows `op` (spec/protocol.md §4); a case with any other op
  // is reported as unsupported before anything runs.
  static bool supports(const std::string& op);
  // Whether `op` ends the process running it (spec/protocol.md §4.4).
  static bool ends_process(const std::string& op);

  // Runs `steps` as the process at `path`. Returns when the list is done;
  // the ending ops of §4.4 do not return. `creator` is the frame of the list
  // that created this process (its fork-time copy, named by `^name`).
  void run(const nlohmann::json& steps, const std::string& path, const Emit& emit,
           Frame* creator = nullptr);

  // The pids the main process learnt from its own steps' results (§5
  // "pids"); children send theirs through the channel.
  [[nodiscard]] const std::vector<std::int64_t>& pids() const { return pids_; }
  // Where a child reports its observations, pid and errors.
  ReportChannel& channel() { return channel_; }
  // A pid this process learnt (the main process keeps it, a child sends it).
  void know_pid(std::int64_t pid);

 private:
  void run_steps(const nlohmann::json& steps, const Emit& emit, Frame& frame);
  nlohmann::json step(const nlohmann::json& step, Frame& frame);
  void end_process(const nlohmann::json& step);
  // The `fork` op (§4.9), and the child it starts, which never returns.
  nlohmann::json fork(const nlohmann::json& step, Frame& frame);
  [[noreturn]] void run_forked(const nlohmann::json& steps, const std::string& path,
                               const std::optional<CaptureFiles>& files);

  Events& events_;
  ReportChannel& channel_;
  Program program_;  // this process's variables, read positions
  pid_t main_pid_;
  std::vector<std::int64_t> pids_;
};

// In coverage builds, writes the counters of code run so far (and starts
// them again from zero): _exit(), abort() and exec skip the exit hook gcov
// writes them from. Nothing elsewhere.
void flush_coverage();

// Ends this process now with `status`: no exit handlers (they would wait for
// children that may be waiting for us), stdio and coverage counters flushed.
[[noreturn]] void exit_at_once(int status);

}  // namespace pyproc::driver

// Interprets a case's steps (spec/protocol.md §4) with pyproc::Process: the
// main process runs the case's "steps", and every child runs its own target
// list through the same interpreter after fork.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "capture.hpp"
#include "events.hpp"
#include "program.hpp"
#include "report_channel.hpp"
#include "values.hpp"

namespace pyproc {
class Process;
}

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

  struct Frame;

  // Runs `steps` as the process at `path`. Returns when the list is done;
  // the ending ops of §4.4 do not return. `creator` is the frame of the list
  // that created this process (its fork-time copy, named by `^name`).
  void run(const nlohmann::json& steps, const std::string& path, const Emit& emit,
           Frame* creator = nullptr);

  // The pids the main process learnt from its own steps' results (§5
  // "pids"); children send theirs through the channel.
  [[nodiscard]] const std::vector<std::int64_t>& pids() const { return pids_; }

 private:
  void run_steps(const nlohmann::json& steps, const Emit& emit, Frame& frame);
  // Kills and reaps every child this process started that is still running.
  static void end_children();
  nlohmann::json step(const nlohmann::json& step, Frame& frame);
  nlohmann::json on_process(const nlohmann::json& step, Frame& frame);
  nlohmann::json on_parent(const nlohmann::json& step);
  void end_process(const nlohmann::json& step);
  // stderr_fd >= 0: the child makes it its fd 2 before its first step;
  // `files`: its own capture files ("capture": true, §4.10).
  std::unique_ptr<Process> make_process(const nlohmann::json& step, const std::string& path,
                                        int stderr_fd, const std::optional<CaptureFiles>& files,
                                        Frame& creator);
  // The `fork` op (§4.9), and the child it starts, which never returns.
  nlohmann::json fork(const nlohmann::json& step, Frame& frame);
  [[noreturn]] void run_forked(const nlohmann::json& steps, const std::string& path,
                               const std::optional<CaptureFiles>& files);
  void know_pid(std::int64_t pid);

  // What a target is called with: C++ binds arguments into the callable.
  struct Arguments {
    std::vector<Value> args;
    std::map<std::string, Value> kwargs;
  };

  Events& events_;
  ReportChannel& channel_;
  Program program_;  // this process's variables, read positions
  pid_t main_pid_;
  std::vector<std::int64_t> pids_;
  // In a child: what its target was called with, as `target_args` reports it
  // (null when run() is overridden, or in the main process).
  nlohmann::json received_;
};

// In coverage builds, writes the counters of code run so far (and starts
// them again from zero): _exit(), abort() and exec skip the exit hook gcov
// writes them from. Nothing elsewhere.
void flush_coverage();

// Ends this process now with `status`: no exit handlers (they would wait for
// children that may be waiting for us), stdio and coverage counters flushed.
[[noreturn]] void exit_at_once(int status);

}  // namespace pyproc::driver

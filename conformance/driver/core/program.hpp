// The ops of protocol 2 (spec/protocol.md §4.9) that act on the running
// process's variables, output and environment: call, method, value,
// hasattr, output, write, flush, setenv, unsetenv, hook_log. (`fork` starts
// a process, so it is Script's.)
//
// One Program per process: its variables and read positions live in the
// driver's memory, so a child starts with copies of its creator's, as the
// protocol says.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/capture.hpp"
#include "core/events.hpp"
#include "core/expressions.hpp"
#include "pyproc/exceptions.hpp"

namespace pyproc::driver {

class Program {
 public:
  // Told every pid a result holds (§5 "pids").
  using KnowPid = std::function<void(std::int64_t pid)>;

  Program(Events& events, const Paths& paths, KnowPid know_pid)
      : eval_(&events, paths, false), know_pid_(std::move(know_pid)) {}

  static bool handles(const std::string& op);

  // Runs one step and returns its value (§4.5). `own_files`: the capture
  // files of this list's children created with "capture": true.
  nlohmann::json step(const nlohmann::json& step,
                      const std::map<std::string, CaptureFiles>& own_files);

  Variables& variables() { return vars_; }

 private:
  PyValue call(const nlohmann::json& step);
  PyValue method(const nlohmann::json& step);
  // What a call, method or value step observes once `r` is its result.
  nlohmann::json result(const nlohmann::json& step, const PyValue& r);
  nlohmann::json clock(const nlohmann::json& step);
  nlohmann::json output(const nlohmann::json& step,
                        const std::map<std::string, CaptureFiles>& own_files);

  Evaluator eval_;
  Variables vars_;
  OutputPositions positions_;
  KnowPid know_pid_;
};

}  // namespace pyproc::driver

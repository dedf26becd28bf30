// pyproc-driver: the conformance driver for the C++ implementation.
// Usage: pyproc-driver CASE_FILE — prints the protocol document of
// spec/protocol.md §5 for that case, run with pyproc::Process.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "events.hpp"
#include "hygiene.hpp"
#include "pyproc/exceptions.hpp"
#include "report_channel.hpp"
#include "script.hpp"
#include "signal_names.hpp"

namespace {

using nlohmann::json;

// pyproc's API is statically typed: a name is a string, a daemon flag a bool,
// an authkey bytes. A case that assigns another type (Python raises, or
// stores it as given) cannot be written in C++ at all, so it is reported as
// unsupported rather than imitated.
std::string untyped_value(const json& step) {
  const std::string attr = step.value("attr", "");
  const json& value = step.value("value", json());
  const bool fits = (attr == "name" && value.is_string()) ||
                    (attr == "daemon" && value.is_boolean()) ||
                    (attr == "authkey" && value.is_object() && value.contains("bytes"));
  if (fits) return {};
  return "C++ cannot assign " + value.dump() + " to " + attr + ": pyproc::Process::set_" + attr +
         " takes a " +
         (attr == "name"     ? "std::string"
          : attr == "daemon" ? "bool"
                             : "pyproc::Bytes");
}

// An integer a case wrote that C++'s int64 cannot hold (JSON readers turn
// one beyond uint64 into a float).
bool beyond_int64(const json& value) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>() > INT64_MAX;
  return value.is_number_float();
}

// A case this driver must refuse before running anything: `malformed` (a
// step it cannot read, with its JSON path: exit status 2) or `unsupported`
// (well formed, but not expressible with pyproc: the protocol's answer).
struct Refusal {
  std::string malformed;
  std::string unsupported;
};

// Walks every steps list of the case: creates its events up front (children
// must inherit them) and finds what the driver cannot run. `nested`: a target
// or run list, where @parent is an object (in the main list it is None).
void prepare(const json& steps, const std::string& where, bool nested,
             pyproc::driver::Events& events, Refusal& refusal) {
  using pyproc::driver::Script;
  auto malformed = [&](const std::string& message) {
    if (refusal.malformed.empty()) refusal.malformed = message;
  };
  for (size_t i = 0; i < steps.size(); ++i) {
    const json& step = steps[i];
    const std::string at = where + "[" + std::to_string(i) + "]";
    const std::string op = step.at("op");
    std::string unsupported;
    if (!Script::supports(op)) unsupported = "unknown op \"" + op + "\"";
    if (op == "set") unsupported = untyped_value(step);
    if (op == "new" && step.contains("group") && !step["group"].is_null())
      unsupported = "pyproc::Process has no group parameter (CPython accepts only None)";
    if (op == "exit" && beyond_int64(step.value("code", json())))
      unsupported = "pyproc::SystemExit takes a 64-bit integer code, not " + step["code"].dump();
    if (nested && step.value("proc", "") == "@parent")
      unsupported = Script::unsupported_on_parent(op).value_or(unsupported);
    if (!nested && Script::ends_process(op))
      malformed(at + ": op \"" + op +
                "\" ends the process running it; the main process is the driver");
    if (step.contains("signal")) {
      // Signal names are checked here, not when the step is reached: by then
      // children may be waiting for steps that would never run.
      if (auto problem = pyproc::driver::signal_name_problem(step["signal"]))
        malformed(at + ".signal: " + *problem);
      else if (!pyproc::driver::find_signal(step["signal"]))
        unsupported = at + ": signal " + step["signal"].get<std::string>() +
                      " does not exist on this platform";
    }
    if (refusal.unsupported.empty()) refusal.unsupported = unsupported;
    if (step.contains("event")) events.create(step["event"]);
    for (const char* list : {"target", "run"})
      if (step.contains(list)) prepare(step[list], at + "." + list, true, events, refusal);
  }
}

int run_case(const json& case_doc) {
  const std::string id = case_doc.at("id");
  const auto fds_before = pyproc::driver::open_fds();
  json document;
  {
    pyproc::driver::Events events;
    Refusal refusal;
    prepare(case_doc.at("steps"), "steps", false, events, refusal);
    if (!refusal.malformed.empty()) throw std::invalid_argument(refusal.malformed);
    if (!refusal.unsupported.empty()) {
      std::cout << json{{"protocol", 1}, {"case", id}, {"unsupported", refusal.unsupported}}
                << "\n";
      return 0;
    }

    pyproc::driver::ReportChannel channel;
    pyproc::driver::Script script(events, channel);
    json streams = json::object();
    json pids = json::array({::getpid()});
    json main_stream = json::array();
    script.run(case_doc["steps"], "main",
               [&](size_t, const json& observation) { main_stream.push_back(observation); });
    if (!case_doc["steps"].empty()) streams["main"] = main_stream;
    channel.collect(streams, pids);

    document = {
        {"protocol", 1},
        {"case", id},
        {"implementation", {{"name", "pyproc"}, {"version", "0.1.0"}, {"start_method", "fork"}}},
        {"pids", pids},
        {"streams", streams}};
  }  // every pyproc::Process, event and channel of the case is gone here
  document["leaks"] = pyproc::driver::leaks_since(fds_before);
  std::cout << document.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: pyproc-driver CASE_FILE\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "pyproc-driver: cannot read " << argv[1] << "\n";
    return 2;
  }
  try {
    return run_case(json::parse(in));
  } catch (const std::exception& e) {
    std::cerr << "pyproc-driver: " << argv[1] << ": " << e.what() << "\n";
  }
  // Not `return`: that would run pyproc's exit function, which joins every
  // child still running (Script::run has ended those of a case stopped
  // half-way; an orphaned grandchild is the harness's to kill, spec §8).
  pyproc::driver::exit_at_once(2);
}

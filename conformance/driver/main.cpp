// pyproc-driver: the conformance driver for the C++ implementation.
// Usage: pyproc-driver CASE_FILE — prints the protocol document of
// spec/protocol.md §5 for that case, run with pyproc::Process.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "events.hpp"
#include "hygiene.hpp"
#include "pyproc/exceptions.hpp"
#include "report_channel.hpp"
#include "script.hpp"

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

// Walks every steps list of the case: creates its events up front (children
// must inherit them) and finds any op this driver does not know.
void prepare(const json& steps, pyproc::driver::Events& events, std::string& unsupported) {
  for (const auto& step : steps) {
    const std::string op = step.at("op");
    if (!pyproc::driver::Script::supports(op) && unsupported.empty())
      unsupported = "unknown op \"" + op + "\"";
    if (op == "set" && unsupported.empty()) unsupported = untyped_value(step);
    if (op == "new" && step.contains("group") && !step["group"].is_null() && unsupported.empty())
      unsupported = "pyproc::Process has no group parameter (CPython accepts only None)";
    if (step.contains("event")) events.create(step["event"]);
    for (const char* nested : {"target", "run"})
      if (step.contains(nested)) prepare(step[nested], events, unsupported);
  }
}

int run_case(const json& case_doc) {
  const std::string id = case_doc.at("id");
  const auto fds_before = pyproc::driver::open_fds();
  json document;
  {
    pyproc::driver::Events events;
    std::string unsupported;
    prepare(case_doc.at("steps"), events, unsupported);
    if (!unsupported.empty()) {
      std::cout << json{{"protocol", 1}, {"case", id}, {"unsupported", unsupported}} << "\n";
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
  } catch (const pyproc::SystemExit&) {
    std::cerr << "pyproc-driver: " << argv[1] << ": an ending step ran in the main process\n";
  } catch (const std::exception& e) {
    std::cerr << "pyproc-driver: " << argv[1] << ": " << e.what() << "\n";
  }
  return 2;
}

// pyproc-driver: the conformance driver for the C++ implementation.
// Usage: pyproc-driver CASE_FILE — prints the protocol document of
// spec/protocol.md §5 for that case, run with pyproc::Process.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/capture.hpp"
#include "core/case_check.hpp"
#include "core/document.hpp"
#include "core/events.hpp"
#include "core/expressions.hpp"
#include "core/hygiene.hpp"
#include "core/py_value.hpp"
#include "core/report_channel.hpp"
#include "core/script.hpp"
#include "families.hpp"

namespace {

using nlohmann::json;

// The version of spec/protocol.md this driver speaks.
constexpr int kProtocol = 4;

int run_case(const json& case_doc) {
  const std::string id = case_doc.at("id");
  auto fds_before = pyproc::driver::open_fds();
  std::optional<pyproc::driver::StreamedDocument> document;
  json pids = json::array({::getpid()});
  {
    const auto paths = pyproc::driver::Paths::from_environment();
    pyproc::driver::Events events;
    const auto refusal = pyproc::driver::check_case(case_doc, events, paths);
    if (!refusal.malformed.empty()) throw std::invalid_argument(refusal.malformed);
    if (!refusal.unsupported.empty()) {
      std::cout << json{{"protocol", kProtocol}, {"case", id}, {"unsupported", refusal.unsupported}}
                << "\n";
      return 0;
    }
    pyproc::driver::set_core_limit(case_doc);
    document.emplace(json{{"protocol", kProtocol},
                          {"case", id},
                          {"implementation",
                           {{"name", "pyproc"}, {"version", "0.1.0"}, {"start_method", "fork"}}}},
                     !case_doc["steps"].empty());
    fds_before.insert(document->descriptor());  // the driver's, not the case's
    // From here to its end, fd 1 and 2 are the case's capture files.
    pyproc::driver::MainCapture capture;
    pyproc::driver::ReportChannel channel;
    pyproc::driver::Script script(events, channel, paths);
    json streams = json::object();
    script.run(case_doc["steps"], "main",
               [&](size_t, const json& observation) { document->observation(observation); });
    for (std::int64_t pid : script.pids()) pids.push_back(pid);
    channel.collect(streams, pids);
    document->close_streams(streams);
  }  // every pyproc::Process, variable and channel of the case is gone here
  // Integers beyond 64 bits exactly as the case wrote them (§5.3); a str
  // result need not be UTF-8 (pyproc's popen passes bytes through).
  document->finish({{"pids", pids}, {"leaks", pyproc::driver::leaks_since(fds_before)}});
  return 0;
}

// spec/protocol.md §2: a case file is at most 1 MiB, nested at most 64
// levels. The harness refuses others before a driver sees them; a driver run
// by hand refuses them too, before a deep document could exhaust its stack.
constexpr std::streamsize kMaxCaseBytes = 1 << 20;
constexpr int kMaxDepth = 64;

json read_case(std::istream& in) {
  std::string text(kMaxCaseBytes + 1, '\0');
  in.read(text.data(), kMaxCaseBytes + 1);
  if (in.gcount() > kMaxCaseBytes) throw std::length_error("a case file is at most 1 MiB");
  text.resize(static_cast<size_t>(in.gcount()));
  // Integers of any size, exactly (§5.3): one beyond 64 bits is no double.
  return pyproc::driver::read_exact_json(text, [](int depth, json::parse_event_t, json&) {
    if (depth > kMaxDepth) throw std::length_error("a case file is nested at most 64 levels deep");
    return true;
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: pyproc-driver CASE_FILE\n";
    return 2;
  }
  try {
    pyproc::driver::register_families();
    // Read and closed before any step runs: a program a case starts with
    // close_fds=False must find none of the driver's own descriptors.
    json case_doc;
    {
      std::ifstream in(argv[1]);
      if (!in) {
        std::cerr << "pyproc-driver: cannot read " << argv[1] << "\n";
        return 2;
      }
      case_doc = read_case(in);
    }
    return run_case(case_doc);
  } catch (const std::exception& e) {
    std::cerr << "pyproc-driver: " << argv[1] << ": " << e.what() << "\n";
  }
  // Not `return`: that would run pyproc's exit function, which joins every
  // child still running (Script::run has ended those of a case stopped
  // half-way; an orphaned grandchild is the harness's to kill, spec §8).
  pyproc::driver::exit_at_once(2);
}

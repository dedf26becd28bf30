#include "compare.hpp"

#include <algorithm>
#include <set>
#include <sstream>
#include <vector>

namespace pyproc::harness {
namespace {

using nlohmann::json;

// The steps list that the process at `path` ("main", "p", "p/q") runs.
const json* steps_for_path(const json& case_doc, const std::string& path) {
  const json* steps = &case_doc.at("steps");
  if (path == "main") return steps;
  std::stringstream parts(path);
  std::string name;
  while (std::getline(parts, name, '/')) {
    const json* next = nullptr;
    for (const auto& step : *steps) {
      if (step.value("op", "") == "new" && step.value("proc", "") == name) {
        if (step.contains("target")) next = &step["target"];
        if (step.contains("run")) next = &step["run"];
      }
    }
    if (!next) return nullptr;
    steps = next;
  }
  return steps;
}

std::vector<std::string> ordered_paths(const json& a, const json& b) {
  std::set<std::string> others;
  for (const auto* streams : {&a, &b})
    for (const auto& item : streams->items())
      if (item.key() != "main") others.insert(item.key());
  std::vector<std::string> paths{"main"};
  paths.insert(paths.end(), others.begin(), others.end());
  return paths;
}

std::string describe_step(const json& case_doc, const std::string& path, size_t index) {
  const json* steps = steps_for_path(case_doc, path);
  if (steps && index < steps->size()) return (*steps)[index].dump();
  return "(no such step in the case)";
}

}  // namespace

std::optional<std::string> first_difference(const json& case_doc, const json& expected_streams,
                                            const json& actual_streams) {
  static const json kNone = json::array();
  for (const auto& path : ordered_paths(expected_streams, actual_streams)) {
    const json& expected = expected_streams.contains(path) ? expected_streams[path] : kNone;
    const json& actual = actual_streams.contains(path) ? actual_streams[path] : kNone;
    const size_t count = std::max(expected.size(), actual.size());
    for (size_t i = 0; i < count; ++i) {
      const bool have_expected = i < expected.size(), have_actual = i < actual.size();
      if (have_expected && have_actual && expected[i] == actual[i]) continue;
      std::ostringstream out;
      out << "process '" << path << "', step " << i << ": " << describe_step(case_doc, path, i)
          << "\n  expected: "
          << (have_expected ? expected[i].dump() : "no observation (the process had ended)")
          << "\n  actual:   "
          << (have_actual ? actual[i].dump()
                          : "no observation (the process ended or never ran this step)");
      return out.str();
    }
  }
  return std::nullopt;
}

}  // namespace pyproc::harness

#include "compare.hpp"

#include <algorithm>
#include <set>
#include <sstream>
#include <utility>

#include "json_exact.hpp"

namespace pyproc::harness {
namespace {

using nlohmann::json;

// The steps list that the process at `path` runs, or nullptr.
const json* steps_for_path(const json& case_doc, const std::string& path) {
  const json* steps =
      case_doc.is_object() && case_doc.contains("steps") ? &case_doc["steps"] : nullptr;
  if (path == "main" || !steps) return steps;
  std::stringstream parts(path);
  std::string name;
  while (std::getline(parts, name, '/')) {
    if (!steps->is_array()) return nullptr;
    const json* next = nullptr;
    for (const auto& step : *steps) {
      // A process is made by `new` (its target or run) or `fork` (its child).
      const json op = step.is_object() ? step.value("op", json()) : json();
      if ((op != "new" && op != "fork") || step.value("proc", json()) != name) continue;
      for (const char* key : {"target", "run", "child"})
        if (step.contains(key)) next = &step[key];
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

std::string describe_step(const json& case_doc, const std::string& path, std::size_t index) {
  const json* step = step_at(case_doc, path, index);
  return step ? to_text(*step) : "(no such step in the case)";
}

// Where a text may be cut: not inside a UTF-8 sequence.
std::size_t char_start(const std::string& text, std::size_t at) {
  while (at > 0 && at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;
  return at;
}

// One side of a difference for a person: in full when short, else the part
// around `from` (where the two sides' texts first differ), with where it is.
std::string shown(const std::string& text, std::size_t from) {
  if (text.size() <= kMaxShownChars) return text;
  constexpr std::size_t kBefore = 80, kWindow = 240;
  const std::size_t start = char_start(text, from > kBefore ? from - kBefore : 0);
  const std::size_t end = char_start(text, std::min(text.size(), start + kWindow));
  return (start > 0 ? "..." : "") + text.substr(start, end - start) +
         (end < text.size() ? "..." : "") + " (" + std::to_string(text.size()) + " characters" +
         (start > 0 || end < text.size() ? ", shown from " + std::to_string(start) : "") + ")";
}

}  // namespace

std::string Difference::describe() const {
  if (!step)
    return "process '" + process + "': " +
           (expected == nlohmann::json(true)
                ? "expected to run its steps, but has no stream"
                : "has a stream, but was not expected to run its steps");
  const std::string expected_text =
      expected ? to_text(*expected) : "no observation (the process had ended)";
  const std::string actual_text =
      actual ? to_text(*actual) : "no observation (the process ended or never ran this step)";
  // Long values are shortened around where they first differ (a line of
  // 19 MB helps no one); the exact values are in to_json().
  std::size_t from = 0;
  while (from < expected_text.size() && from < actual_text.size() &&
         expected_text[from] == actual_text[from])
    ++from;
  const bool cut = expected_text.size() > kMaxShownChars || actual_text.size() > kMaxShownChars;
  return "process '" + process + "', step " + std::to_string(*step) + ": " +
         (step_text.size() > kMaxShownChars
              ? step_text.substr(0, char_start(step_text, kMaxShownChars)) + "..."
              : step_text) +
         "\n      expected: " + shown(expected_text, from) +
         "\n      actual:   " + shown(actual_text, from) +
         (cut ? "\n      (the texts first differ at character " + std::to_string(from) + ")" : "");
}

json Difference::to_json() const {
  return {{"process", process},
          {"step", step ? json(*step) : json(nullptr)},
          {"expected", expected ? *expected : json(nullptr)},
          {"actual", actual ? *actual : json(nullptr)}};
}

std::string Differences::describe() const {
  std::string text;
  for (std::size_t i = 0; i < kept.size() && i < kMaxDifferencesShown; ++i)
    text += (text.empty() ? "" : "\n    ") + kept[i].describe();
  const std::size_t shown = std::min(kept.size(), kMaxDifferencesShown);
  if (total > shown)
    text += "\n    ... and " + std::to_string(total - shown) + " more difference(s)";
  return text;
}

const json* step_at(const json& case_doc, const std::string& path, std::size_t index) {
  const json* steps = steps_for_path(case_doc, path);
  if (!steps || !steps->is_array() || index >= steps->size()) return nullptr;
  return &(*steps)[index];
}

Differences differences(const json& case_doc, const json& expected_streams,
                        const json& actual_streams) {
  static const json kNone = json::array();
  Differences found;
  std::string last_stream;  // the stream of the latest difference
  auto add = [&found, &last_stream](Difference difference) {
    if (found.first_by_stream.empty() || last_stream != difference.process) {
      found.first_by_stream.push_back(
          {difference.process, difference.step, difference.expected && difference.actual});
      last_stream = difference.process;
    }
    if (++found.total <= kMaxDifferencesKept) found.kept.push_back(std::move(difference));
  };
  for (const auto& path : ordered_paths(expected_streams, actual_streams)) {
    const bool in_expected = expected_streams.contains(path);
    const bool in_actual = actual_streams.contains(path);
    // A stream exists when its process began to run its steps (§5), even if
    // it observed nothing: its presence alone is part of the result.
    if (in_expected != in_actual)
      add({.process = path,
           .step = {},
           .expected = in_expected,
           .actual = in_actual,
           .step_text = {}});
    const json& expected = in_expected ? expected_streams[path] : kNone;
    const json& actual = in_actual ? actual_streams[path] : kNone;
    const std::size_t count = std::max(expected.size(), actual.size());
    for (std::size_t i = 0; i < count; ++i) {
      const bool have_expected = i < expected.size(), have_actual = i < actual.size();
      if (have_expected && have_actual && exactly_equal(expected[i], actual[i])) continue;
      add({.process = path,
           .step = i,
           .expected = have_expected ? std::optional<json>(expected[i]) : std::nullopt,
           .actual = have_actual ? std::optional<json>(actual[i]) : std::nullopt,
           .step_text = found.total < kMaxDifferencesKept ? describe_step(case_doc, path, i)
                                                          : std::string()});
    }
  }
  return found;
}

}  // namespace pyproc::harness

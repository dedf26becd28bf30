// Compares normalised streams with expected ones, exactly (json_exact.hpp),
// and describes every difference in terms of the case: which process, which
// step, what was expected and what came.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pyproc::harness {

// At most this many differences of one case are described for a person...
inline constexpr std::size_t kMaxDifferencesShown = 10;
// ...and at most this many are kept for machines (deviations, JSON results).
inline constexpr std::size_t kMaxDifferencesKept = 1000;
// A value, or a step, longer than this (as JSON text) is shown to a person
// shortened around where the two sides first differ; machines get it whole.
inline constexpr std::size_t kMaxShownChars = 400;

struct Difference {
  std::string process;              // its path: "main", "p", "p/q"
  std::optional<std::size_t> step;  // none: the stream is present on one side only
  // The observations; none where there is no observation (the process had
  // ended). For a stream present on one side only: whether each side has it.
  std::optional<nlohmann::json> expected, actual;
  std::string step_text;  // the step as the case writes it

  [[nodiscard]] std::string describe() const;
  // {"process", "step" (or null), "expected", "actual"} (null: none).
  [[nodiscard]] nlohmann::json to_json() const;
};

// Where one stream first differs (spec/protocol.md §7: what decides between
// FAIL and UNRESOLVED). No step: the stream is present on one side only.
struct FirstDifference {
  std::string process;
  std::optional<std::size_t> step;
  // Both sides observed something there (a value or an exception), rather
  // than one side's process having ended or gone on.
  bool both_observed = false;
};

struct Differences {
  std::vector<Difference> kept;  // the first kMaxDifferencesKept, in stream order
  std::size_t total = 0;
  // One per stream that differs, in stream order, however many were kept.
  std::vector<FirstDifference> first_by_stream;
  [[nodiscard]] bool empty() const { return total == 0; }
  // The first kMaxDifferencesShown, then "... and N more difference(s)".
  [[nodiscard]] std::string describe() const;
};

// Step `index` of the process at `path` ("main", "p", "p/q"), or nullptr.
// The case may be malformed below its top level: nothing is assumed.
const nlohmann::json* step_at(const nlohmann::json& case_doc, const std::string& path,
                              std::size_t index);

// Both stream sets are objects of arrays (the caller has checked their shape).
// Streams are visited main first, then by path; a stream present on one side
// only is a difference of its own, and is also compared with an empty one.
Differences differences(const nlohmann::json& case_doc, const nlohmann::json& expected_streams,
                        const nlohmann::json& actual_streams);

}  // namespace pyproc::harness

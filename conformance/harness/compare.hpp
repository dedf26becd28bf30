// Compares normalised streams with expected ones, exactly (json_exact.hpp),
// and describes every difference in terms of the case: which process, which
// step, what was expected and what came.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pyproc::harness {

// At most this many differences of one case are described; the rest counted.
inline constexpr std::size_t kMaxDifferencesShown = 10;

struct Differences {
  std::vector<std::string> shown;  // the first kMaxDifferencesShown, in stream order
  std::size_t total = 0;
  [[nodiscard]] bool empty() const { return total == 0; }
  // Every shown difference, then "... and N more differences" if some were not.
  [[nodiscard]] std::string describe() const;
};

// Both stream sets are objects of arrays (the caller has checked their shape).
// Streams are visited main first, then by path; a stream present on one side
// only is a difference of its own, and is also compared with an empty one.
Differences differences(const nlohmann::json& case_doc, const nlohmann::json& expected_streams,
                        const nlohmann::json& actual_streams);

}  // namespace pyproc::harness

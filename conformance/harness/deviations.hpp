// Declared deviations (spec/protocol.md §7.1): where an implementation cannot
// match CPython, and why. A deviation may name the exact differences it
// excuses (process, step, the observation the implementation gives instead),
// so that it cannot hide a later regression in the same case.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "compare.hpp"

namespace pyproc::harness {

struct DeclaredDifference {
  std::string process;
  std::optional<std::size_t> step;       // none: the stream's presence
  std::optional<nlohmann::json> actual;  // none: no observation
};

struct Deviation {
  Deviation() = default;
  // The short form: any difference of the case is excused.
  Deviation(std::string why) : reason(std::move(why)) {}  // NOLINT(google-explicit-constructor)
  Deviation(const char* why) : reason(why) {}             // NOLINT(google-explicit-constructor)

  std::string reason;
  // When set, exactly these differences are excused: one more, one fewer or
  // one with another observation makes the case a FAIL.
  std::optional<std::vector<DeclaredDifference>> differences;
};

// Case id -> its declared deviation.
using Deviations = std::map<std::string, Deviation>;

// Reads a deviations file. Throws std::runtime_error naming the file if it is
// missing or malformed.
Deviations read_deviations(const std::filesystem::path& path);

// Empty when `found` is what `deviation` excuses; else what does not match.
std::string deviation_mismatch(const Deviation& deviation, const Differences& found);

// The long form of a deviation for `found`, as --write-deviations writes it.
nlohmann::json deviation_entry(const std::string& reason, const Differences& found);

}  // namespace pyproc::harness

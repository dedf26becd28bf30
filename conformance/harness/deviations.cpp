#include "deviations.hpp"

#include <cstdint>
#include <stdexcept>

#include "json_exact.hpp"
#include "json_file.hpp"

namespace pyproc::harness {
namespace {

using nlohmann::json;

// Larger than any case file: one entry may list a case's differences.
constexpr std::size_t kMaxDeviationsFileBytes = 16u << 20;

DeclaredDifference declared_difference(const json& item, const std::string& where) {
  if (!item.is_object()) throw std::runtime_error(where + ": a difference must be an object");
  for (const auto& [key, value] : item.items())
    if (key != "process" && key != "step" && key != "actual")
      throw std::runtime_error(where + ": unknown key \"" + key + "\"");
  if (!item.contains("process") || !item["process"].is_string())
    throw std::runtime_error(where + ": needs \"process\" (a path such as \"main\" or \"p/q\")");
  DeclaredDifference difference{item["process"], {}, {}};
  if (item.contains("step") && !item["step"].is_null()) {
    if (!item["step"].is_number_integer() || item["step"].get<std::int64_t>() < 0)
      throw std::runtime_error(where + ": \"step\" must be an index or null");
    difference.step = item["step"].get<std::size_t>();
  }
  if (item.contains("actual") && !item["actual"].is_null()) difference.actual = item["actual"];
  return difference;
}

Deviation deviation_of(const json& entry, const std::string& where) {
  if (entry.is_string()) {
    if (entry.get<std::string>().empty())
      throw std::runtime_error(where + ": needs a reason (a non-empty string)");
    return Deviation(entry.get<std::string>());
  }
  if (!entry.is_object())
    throw std::runtime_error(where + ": must be a reason, or {\"reason\", \"differences\"}");
  for (const auto& [key, value] : entry.items())
    if (key != "reason" && key != "differences")
      throw std::runtime_error(where + ": unknown key \"" + key + "\"");
  if (!entry.contains("reason") || !entry["reason"].is_string() ||
      entry["reason"].get<std::string>().empty())
    throw std::runtime_error(where + ": needs a reason (a non-empty string)");
  Deviation deviation(entry["reason"].get<std::string>());
  if (entry.contains("differences")) {
    if (!entry["differences"].is_array() || entry["differences"].empty())
      throw std::runtime_error(where + ": \"differences\" must be a non-empty array");
    deviation.differences.emplace();
    for (std::size_t i = 0; i < entry["differences"].size(); ++i)
      deviation.differences->push_back(declared_difference(
          entry["differences"][i], where + ".differences[" + std::to_string(i) + "]"));
  }
  return deviation;
}

bool matches(const DeclaredDifference& declared, const Difference& found) {
  if (declared.process != found.process || declared.step != found.step) return false;
  if (declared.actual.has_value() != found.actual.has_value()) return false;
  return !declared.actual || exactly_equal(*declared.actual, *found.actual);
}

std::string describe(const DeclaredDifference& declared) {
  return "process '" + declared.process + "'" +
         (declared.step ? ", step " + std::to_string(*declared.step) : std::string(" (stream)")) +
         ", actual " + (declared.actual ? to_text(*declared.actual) : "no observation");
}

}  // namespace

Deviations read_deviations(const std::filesystem::path& path) {
  JsonFile file = read_json_file(path, kMaxDeviationsFileBytes);
  if (!file.doc) throw std::runtime_error(file.error);
  if (!file.doc->is_object())
    throw std::runtime_error(path.string() + ": must map case ids to deviations");
  Deviations deviations;
  for (const auto& [id, entry] : file.doc->items())
    deviations[id] = deviation_of(entry, path.string() + ": the deviation for case " + id);
  return deviations;
}

std::string deviation_mismatch(const Deviation& deviation, const Differences& found) {
  if (!deviation.differences) return {};
  std::vector<bool> used(deviation.differences->size(), false);
  std::string unexcused;
  for (const auto& difference : found.kept) {
    bool excused = false;
    for (std::size_t i = 0; i < used.size() && !excused; ++i)
      if (!used[i] && matches((*deviation.differences)[i], difference)) used[i] = excused = true;
    if (!excused) unexcused += "\n    not declared: " + difference.describe();
  }
  if (found.total > found.kept.size()) unexcused += "\n    and more differences than are kept";
  for (std::size_t i = 0; i < used.size(); ++i)
    if (!used[i])
      unexcused += "\n    declared but not seen: " + describe((*deviation.differences)[i]);
  return unexcused.empty() ? std::string()
                           : "the declared deviation does not match the differences:" + unexcused;
}

json deviation_entry(const std::string& reason, const Differences& found) {
  json declared = json::array();
  for (const auto& difference : found.kept)
    declared.push_back({{"process", difference.process},
                        {"step", difference.step ? json(*difference.step) : json(nullptr)},
                        {"actual", difference.actual ? *difference.actual : json(nullptr)}});
  return {{"reason", reason}, {"differences", declared}};
}

}  // namespace pyproc::harness

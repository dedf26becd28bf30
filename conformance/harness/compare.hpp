// Compares normalised streams with expected ones and describes the first
// difference in terms of the case: which process, which step, what differs.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace pyproc::harness {

// std::nullopt when equal; otherwise a readable account of the first difference.
std::optional<std::string> first_difference(const nlohmann::json& case_doc,
                                            const nlohmann::json& expected_streams,
                                            const nlohmann::json& actual_streams);

}  // namespace pyproc::harness

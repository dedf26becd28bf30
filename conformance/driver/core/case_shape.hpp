// The shape of a case's steps (spec/protocol.md §2-§4.9): every step an
// object with a known `op`, the keys that op takes and no other, each of the
// JSON type the protocol gives it, every value expression and observe view
// well formed. What the driver reads is untrusted input: a case that breaks
// its shape is malformed (exit status 2, with the JSON path of the problem),
// never a crash or a silent reading of something else. The checks of
// meaning (a variable bound before its use, a signal name, an op that ends
// the main process) are case_check.cpp's.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace pyproc::driver {

// "steps[2].args[0]: …" for the first problem of `steps` (a steps list at
// JSON path `where`, nested lists included); std::nullopt if it has none.
std::optional<std::string> steps_shape_problem(const nlohmann::json& steps,
                                               const std::string& where);

}  // namespace pyproc::driver

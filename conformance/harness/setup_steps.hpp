// Steps that only set a case up (spec/protocol.md §2, §7): a case whose
// streams first differ at such steps, and nowhere else first, proves nothing
// about its clauses, and is UNRESOLVED rather than a FAIL of them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "compare.hpp"

namespace pyproc::harness {

// Whether step `index` of the process at `path` says "setup": true.
bool is_setup_step(const nlohmann::json& case_doc, const std::string& path, std::size_t index);

// When `found` (not empty) is UNRESOLVED — every stream that differs first
// differs at a setup step, where both sides observed something, and none is
// on one side only — what says so: "setup step main[3] (os.waitid)
// differs". Empty when the differences are a FAIL.
std::string unresolved_reason(const nlohmann::json& case_doc, const Differences& found);

}  // namespace pyproc::harness

// Turns a driver's raw output into the portable form that expected files hold
// (spec/protocol.md §6): pids, fds and random authkeys become symbols that keep
// equality, in a fixed visiting order, so any machine gives the same document.
#pragma once

#include <nlohmann/json.hpp>

namespace pyproc::harness {

// `raw` is a driver document (§5) without "unsupported"; `case_doc` is the case
// it ran (byte strings written in it stay visible). Returns {"case", "streams"}.
nlohmann::json normalize(const nlohmann::json& raw, const nlohmann::json& case_doc);

}  // namespace pyproc::harness

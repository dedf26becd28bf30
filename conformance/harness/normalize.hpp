// Turns a driver's raw output into the portable form that expected files hold
// (spec/protocol.md §6): pids, fds and random authkeys become symbols that keep
// equality, in a fixed visiting order, so any machine gives the same document.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace pyproc::harness {

// The paths of one machine that observations may hold (§6 step 5); an empty
// one is not looked for.
struct MachinePaths {
  std::string tmp;         // the case's scratch directory -> "<tmp>"
  std::string helper;      // the helper program -> "<helper>"
  std::string helper_dir;  // its directory -> "<helper_dir>"
};

// `raw` is a driver document (§5) without "unsupported"; `case_doc` is the case
// it ran (byte strings written in it stay visible). Returns {"case", "streams"}.
nlohmann::json normalize(const nlohmann::json& raw, const nlohmann::json& case_doc,
                         const MachinePaths& paths = {});
// The same, rewriting `raw` in place (no second copy of a large output).
nlohmann::json normalize(nlohmann::json&& raw, const nlohmann::json& case_doc,
                         const MachinePaths& paths = {});

}  // namespace pyproc::harness

// Which cases a run takes: the runner's --only and --skip. A pattern is a case
// id ("0007"), an inclusive range of ids ("0300-0399") or a shell glob over
// ids ("06*", "04?7"). A pattern that names no case is an error, not an empty
// part of the selection: a typo must not pass for a smaller suite.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace pyproc::cli {

struct Selection {
  std::vector<std::filesystem::path> cases;  // in the order of `all`
  std::string error;                         // set when the selection is wrong
};

// The cases of `all` that some pattern of `only` matches (every case when
// `only` is empty), less those that some pattern of `skip` matches.
// The items separated by ", " (for messages that list ids or patterns).
std::string joined(const std::vector<std::string>& items);

Selection select_cases(const std::vector<std::filesystem::path>& all,
                       const std::vector<std::string>& only, const std::vector<std::string>& skip);

}  // namespace pyproc::cli

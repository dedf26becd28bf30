// The driver's own check that a case left nothing behind in it (issue: a
// process the implementation forgot to reap, a descriptor it forgot to close).
// Reported in the protocol document's "leaks"; the harness turns any into LEAK.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace pyproc::driver {

std::set<int> open_fds();
// Descriptions of what is open or unreaped now that was not in `fds_before`.
std::vector<std::string> leaks_since(const std::set<int>& fds_before);

}  // namespace pyproc::driver

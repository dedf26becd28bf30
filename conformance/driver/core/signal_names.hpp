// Signal names as a case writes them (spec/protocol.md §4.8): a name of
// CPython's signal module on Linux, or SIGRTMIN+N / SIGRTMAX-N.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pyproc::driver {

// Why `name` is not a signal name a case may use; std::nullopt if it is one.
std::optional<std::string> signal_name_problem(const nlohmann::json& name);

// The number of the signal `name` names on this platform; std::nullopt if the
// name is well formed but this platform lacks it (a real-time offset beyond a
// narrower range). Throws std::invalid_argument for what is not a name.
std::optional<int> find_signal(const nlohmann::json& name);

// Every name without an offset: the fixed names, SIGRTMIN and SIGRTMAX (the
// `signal.SIG…` constants of a `const` expression).
std::vector<std::string> signal_names();

// find_signal() for a step that runs: the case was checked before the first
// step, so a missing signal here is a driver bug.
int signal_number(const nlohmann::json& name);

}  // namespace pyproc::driver

// Conversions between the case/protocol JSON forms and C++ values.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace pyproc::driver {

std::string to_hex(const std::string& bytes);
std::string from_hex(const std::string& hex);  // throws std::invalid_argument
// "SIGUSR1" -> 10; throws std::invalid_argument for unknown names.
int signal_number(const std::string& name);
// {"type", "message"} for an observation of a raised exception.
nlohmann::json raised(const char* type, const std::string& message);

}  // namespace pyproc::driver

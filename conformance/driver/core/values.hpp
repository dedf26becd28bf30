// Conversions between the case/protocol JSON forms and C++ values.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

namespace pyproc::driver {

std::string to_hex(const std::string& bytes);
std::string from_hex(const std::string& hex);  // throws std::invalid_argument

// A value a case passes to a target (`args`, `kwargs`): what the C++ target
// is bound to and what `target_args` reports back (spec/protocol.md §4.3).
struct ByteString {
  std::string bytes;
};
struct Value {
  std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, double, std::string, ByteString,
               std::vector<Value>>
      data;
};
// From a case file's JSON ({"bytes": hex} is a byte string, in either case).
Value decode_value(const nlohmann::json& value);
// As a driver prints it: byte strings as {"bytes": lowercase hex}.
nlohmann::json encode_value(const Value& value);
// {"raised": {"type", "message", "class", "bases"}}: an observation of a
// raised exception (spec/protocol.md §4.6).
nlohmann::json raised(const char* type, const std::string& message, const std::string& class_name,
                      const std::vector<std::string>& bases);

}  // namespace pyproc::driver

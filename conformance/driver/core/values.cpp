#include "core/values.hpp"

#include <stdexcept>

#include "core/expressions.hpp"
#include "core/py_value.hpp"

namespace pyproc::driver {

std::string to_hex(const std::string& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex += digits[c >> 4];
    hex += digits[c & 15];
  }
  return hex;
}

std::string from_hex(const std::string& hex) {
  auto nibble = [&](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("not a hex digit in \"" + hex + "\"");
  };
  if (hex.size() % 2) throw std::invalid_argument("odd number of hex digits in \"" + hex + "\"");
  std::string bytes;
  for (size_t i = 0; i < hex.size(); i += 2)
    bytes += static_cast<char>(nibble(hex[i]) * 16 + nibble(hex[i + 1]));
  return bytes;
}

Value decode_value(const nlohmann::json& value) {
  if (value.is_object()) return Value{ByteString{from_hex(value.at("bytes").get<std::string>())}};
  if (value.is_array()) {
    std::vector<Value> items;
    for (const auto& item : value) items.push_back(decode_value(item));
    return Value{std::move(items)};
  }
  if (const char* digits = big_int_digits(value)) throw Unexpressible(beyond_64_bits(digits));
  if (value.is_null()) return Value{nullptr};
  if (value.is_boolean()) return Value{value.get<bool>()};
  if (value.is_number_unsigned()) return Value{value.get<std::uint64_t>()};
  if (value.is_number_integer()) return Value{value.get<std::int64_t>()};
  if (value.is_number_float()) return Value{value.get<double>()};
  return Value{value.get<std::string>()};
}

nlohmann::json encode_value(const Value& value) {
  return std::visit(
      [](const auto& v) -> nlohmann::json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, ByteString>) {
          return {{"bytes", to_hex(v.bytes)}};
        } else if constexpr (std::is_same_v<T, std::vector<Value>>) {
          nlohmann::json items = nlohmann::json::array();
          for (const Value& item : v) items.push_back(encode_value(item));
          return items;
        } else {
          return v;
        }
      },
      value.data);
}

nlohmann::json raised(const char* type, const std::string& message, const std::string& class_name,
                      const std::vector<std::string>& bases) {
  return {
      {"raised", {{"type", type}, {"message", message}, {"class", class_name}, {"bases", bases}}}};
}

}  // namespace pyproc::driver

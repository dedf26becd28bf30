#include "json_exact.hpp"

#include <bit>

namespace pyproc::harness {

using nlohmann::json;

json big_integer(const std::string& decimal) {
  return json::binary(json::binary_t::container_type(decimal.begin(), decimal.end()),
                      kBigIntegerSubtype);
}

bool is_integer(const json& value) {
  return value.is_number_integer() || (value.is_binary() && value.get_binary().has_subtype() &&
                                       value.get_binary().subtype() == kBigIntegerSubtype);
}

std::string integer_text(const json& value) {
  if (value.is_number_unsigned()) return std::to_string(value.get<std::uint64_t>());
  if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
  const auto& digits = value.get_binary();
  return {digits.begin(), digits.end()};
}

bool exactly_equal(const json& a, const json& b) {
  if (is_integer(a) || is_integer(b))
    return is_integer(a) && is_integer(b) && integer_text(a) == integer_text(b);
  if (a.is_number_float() || b.is_number_float())
    return a.is_number_float() && b.is_number_float() &&
           std::bit_cast<std::uint64_t>(a.get<double>()) ==
               std::bit_cast<std::uint64_t>(b.get<double>());
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!exactly_equal(a[i], b[i])) return false;
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (const auto& item : a.items()) {
      const auto other = b.find(item.key());
      if (other == b.end() || !exactly_equal(item.value(), *other)) return false;
    }
    return true;
  }
  return a == b;  // null, bool, string
}

void write_text(std::string& out, const json& value) {
  if (is_integer(value)) {
    out += integer_text(value);
  } else if (value.is_array()) {
    out += '[';
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (i) out += ',';
      write_text(out, value[i]);
    }
    out += ']';
  } else if (value.is_object()) {
    out += '{';
    bool first = true;
    for (const auto& item : value.items()) {
      if (!first) out += ',';
      out += json(item.key()).dump(-1, ' ', false, json::error_handler_t::replace) + ":";
      write_text(out, item.value());
      first = false;
    }
    out += '}';
  } else {
    out += value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

std::string to_text(const json& value) {
  std::string out;
  write_text(out, value);
  return out;
}

}  // namespace pyproc::harness

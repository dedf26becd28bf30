// Exact JSON values, as Python sees them: an integer is exact and unbounded,
// and never equal to a float (`1` is not `1.0`).
//
// nlohmann::json holds integers up to 64 bits; json_file.cpp stores larger
// ones as a binary value of subtype kBigIntegerSubtype holding the decimal
// text (JSON text cannot produce a binary value, so nothing else can look
// like one). Compare with exactly_equal(), print with to_text(), never with
// operator== or dump().
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace pyproc::harness {

inline constexpr std::uint8_t kBigIntegerSubtype = 'I';

// An integer too large for 64 bits, from its decimal text.
nlohmann::json big_integer(const std::string& decimal);

bool is_integer(const nlohmann::json& value);
// The decimal text of an integer value (is_integer() must hold).
std::string integer_text(const nlohmann::json& value);

// Same type and same value: integers by their exact value, floats bit for bit
// (so -0.0 is not 0.0), strings, arrays and objects element by element.
bool exactly_equal(const nlohmann::json& a, const nlohmann::json& b);

// Compact JSON text, big integers as their digits.
std::string to_text(const nlohmann::json& value);
// The same, appended to `out` (no copy of each part on the way up).
void write_text(std::string& out, const nlohmann::json& value);

}  // namespace pyproc::harness

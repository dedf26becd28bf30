#include "values.hpp"

#include <csignal>
#include <cstring>
#include <stdexcept>

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

int signal_number(const std::string& name) {
  for (int signum = 1; signum < NSIG; ++signum) {
    const char* abbrev = sigabbrev_np(signum);
    if (abbrev && name == std::string("SIG") + abbrev) return signum;
  }
  throw std::invalid_argument("unknown signal name \"" + name + "\"");
}

nlohmann::json raised(const char* type, const std::string& message) {
  return {{"raised", {{"type", type}, {"message", message}}}};
}

}  // namespace pyproc::driver

// Objects/stringlib/codecs.h (utf8_decode) and Objects/unicodeobject.c
// (unicode_decode_utf8, UnicodeDecodeError.__str__): which bytes an error
// covers and what it is called.
#include "subprocess_text.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "pyproc/exceptions.hpp"

namespace pyproc::subprocess::detail {
namespace {

// What utf8_decode stops at: the number of bytes an error covers, or 0 for
// a sequence that the end of the data cuts short.
enum class Stop { invalid_start, continuation_1, continuation_2, continuation_3, truncated };

bool continuation(unsigned char byte) { return byte >= 0x80 && byte < 0xC0; }

// The length of the valid sequence at s[i], or the error there (`stop`).
std::size_t sequence_length(const std::string& s, std::size_t i, Stop& stop) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const std::size_t left = s.size() - i;
  const unsigned char ch = at(0);
  if (ch < 0x80) return 1;
  if (ch < 0xC2) {  // a continuation byte, or C0/C1 (overlong ASCII)
    stop = Stop::invalid_start;
    return 0;
  }
  if (ch < 0xE0) {
    if (left < 2) {
      stop = Stop::truncated;
    } else if (!continuation(at(1))) {
      stop = Stop::continuation_1;
    } else {
      return 2;
    }
    return 0;
  }
  if (ch < 0xF0) {
    // E0 needs A0-BF next (no overlong forms), ED 80-9F (no surrogates).
    const auto bad_second = [&](unsigned char c2) {
      return !continuation(c2) || (c2 < 0xA0 ? ch == 0xE0 : ch == 0xED);
    };
    if (left < 2) {
      stop = Stop::truncated;
    } else if (bad_second(at(1))) {
      stop = Stop::continuation_1;
    } else if (left < 3) {
      stop = Stop::truncated;
    } else if (!continuation(at(2))) {
      stop = Stop::continuation_2;
    } else {
      return 3;
    }
    return 0;
  }
  if (ch < 0xF5) {
    // F0 needs 90-BF next (no overlong forms), F4 80-8F (nothing above
    // U+10FFFF).
    const auto bad_second = [&](unsigned char c2) {
      return !continuation(c2) || (c2 < 0x90 ? ch == 0xF0 : ch == 0xF4);
    };
    if (left < 2) {
      stop = Stop::truncated;
    } else if (bad_second(at(1))) {
      stop = Stop::continuation_1;
    } else if (left < 3) {
      stop = Stop::truncated;
    } else if (!continuation(at(2))) {
      stop = Stop::continuation_2;
    } else if (left < 4) {
      stop = Stop::truncated;
    } else if (!continuation(at(3))) {
      stop = Stop::continuation_3;
    } else {
      return 4;
    }
    return 0;
  }
  stop = Stop::invalid_start;  // F5-FF never start a sequence
  return 0;
}

[[noreturn]] void raise_decode_error(const std::string& s, std::size_t start, Stop stop) {
  std::size_t end = start + 1;
  const char* reason = "invalid start byte";
  switch (stop) {
    case Stop::invalid_start:
      break;
    case Stop::truncated:  // everything up to the end of the data
      end = s.size();
      reason = "unexpected end of data";
      break;
    case Stop::continuation_1:
    case Stop::continuation_2:
    case Stop::continuation_3:  // the bytes before the bad one
      end = start + static_cast<std::size_t>(stop) - static_cast<std::size_t>(Stop::invalid_start);
      reason = "invalid continuation byte";
      break;
  }
  std::string message = "'utf-8' codec can't decode ";
  if (end == start + 1) {
    static constexpr char kHex[] = "0123456789abcdef";
    const auto byte = static_cast<unsigned char>(s[start]);
    message += "byte 0x";
    message += kHex[byte >> 4];
    message += kHex[byte & 0xF];
    message += " in position " + std::to_string(start);
  } else {
    message += "bytes in position " + std::to_string(start) + "-" + std::to_string(end - 1);
  }
  throw UnicodeDecodeError(message + ": " + reason);
}

}  // namespace

void decode_text(std::string& data) {
  for (std::size_t i = 0; i < data.size();) {
    // ASCII eight bytes at a time (most output is ASCII).
    std::uint64_t word;
    if (i + sizeof word <= data.size()) {
      std::memcpy(&word, data.data() + i, sizeof word);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += sizeof word;
        continue;
      }
    }
    Stop stop{};
    const std::size_t length = sequence_length(data, i, stop);
    if (length == 0) raise_decode_error(data, i, stop);
    i += length;
  }
  // data.replace("\r\n", "\n").replace("\r", "\n"), in place, from the
  // first "\r" on.
  const std::size_t first_cr = data.find('\r');
  if (first_cr == std::string::npos) return;
  std::size_t out = first_cr;
  for (std::size_t i = first_cr; i < data.size(); ++i) {
    if (data[i] == '\r') {
      data[out++] = '\n';
      if (i + 1 < data.size() && data[i + 1] == '\n') ++i;
    } else {
      data[out++] = data[i];
    }
  }
  data.resize(out);
}

}  // namespace pyproc::subprocess::detail

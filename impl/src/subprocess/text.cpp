// Objects/stringlib/codecs.h (utf8_decode), Objects/unicodeobject.c
// (unicode_decode_utf8, unicode_encode_ucs1, the error handlers) and
// Objects/exceptions.c (UnicodeDecodeError.__str__, UnicodeEncodeError.__str__):
// which bytes or characters an error covers, what it is called, and what each
// error handler puts in its place.
#include "subprocess/text.hpp"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "core/universal_newlines.hpp"
#include "pyproc/exceptions.hpp"

namespace pyproc::subprocess::detail {
namespace {

// What utf8_decode stops at: a byte that starts nothing, the k-th byte of a
// sequence (continuation_k), or the end of the data within a sequence.
enum class Stop { invalid_start, continuation_1, continuation_2, continuation_3, truncated };

bool continuation(unsigned char byte) { return byte >= 0x80 && byte < 0xC0; }

// The length of the valid UTF-8 sequence at s[i], or 0 and the error there
// (`stop`), as utf8_decode finds it: byte by byte, so that a sequence the
// data cuts short is "truncated" only if what there is of it is valid.
std::size_t sequence_length(std::string_view s, std::size_t i, Stop& stop) {
  const auto ch = static_cast<unsigned char>(s[i]);
  if (ch < 0x80) return 1;
  // C0/C1 would be overlong ASCII, F5-FF beyond U+10FFFF; 80-BF continue.
  if (ch < 0xC2 || ch > 0xF4) {
    stop = Stop::invalid_start;
    return 0;
  }
  const std::size_t length = ch < 0xE0 ? 2 : ch < 0xF0 ? 3 : 4;
  // The second byte's range excludes overlong forms (E0, F0), surrogates
  // (ED) and what lies above U+10FFFF (F4).
  const unsigned char low = ch == 0xE0 ? 0xA0 : ch == 0xF0 ? 0x90 : 0x80;
  const unsigned char high = ch == 0xED ? 0x9F : ch == 0xF4 ? 0x8F : 0xBF;
  for (std::size_t k = 1; k < length; ++k) {
    if (i + k >= s.size()) {
      stop = Stop::truncated;
      return 0;
    }
    const auto byte = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? byte < low || byte > high : !continuation(byte)) {
      stop = static_cast<Stop>(k);  // continuation_k: the k bytes before are the error
      return 0;
    }
  }
  return length;
}

// The bytes [start, end) of one decoding error and why.
struct DecodeError {
  std::size_t start;
  std::size_t end;
  const char* reason;
};

DecodeError utf8_error(std::string_view s, std::size_t start, Stop stop) {
  switch (stop) {
    case Stop::invalid_start:
      break;
    case Stop::truncated:  // everything up to the end of the data
      return {start, s.size(), "unexpected end of data"};
    case Stop::continuation_1:
    case Stop::continuation_2:
    case Stop::continuation_3:  // the bytes before the bad one
      return {
          start,
          start + static_cast<std::size_t>(stop) - static_cast<std::size_t>(Stop::invalid_start),
          "invalid continuation byte"};
  }
  return {start, start + 1, "invalid start byte"};
}

// `value` as `digits` lower-case hex digits, zero-padded ("e9", "20ac").
std::string hex(std::uint32_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int k = digits - 1; k >= 0; --k, value >>= 4) {
    out[static_cast<std::size_t>(k)] = kHex[value & 0xF];
  }
  return out;
}

// str(UnicodeDecodeError).
[[noreturn]] void raise_decode_error(const char* codec, std::string_view s, const DecodeError& e) {
  std::string message = std::string("'") + codec + "' codec can't decode ";
  if (e.end == e.start + 1) {
    message += "byte 0x" + hex(static_cast<unsigned char>(s[e.start]), 2) + " in position " +
               std::to_string(e.start);
  } else {
    message += "bytes in position " + std::to_string(e.start) + "-" + std::to_string(e.end - 1);
  }
  throw UnicodeDecodeError(message + ": " + e.reason);
}

// What a handler that is not one of the four this supports does.
[[noreturn]] void unsupported_handler(const std::string& errors, const char* exception) {
  if (errors == "xmlcharrefreplace" || errors == "namereplace") {
    // Encode-only handlers, as CPython says when a decoder calls them.
    if (std::strcmp(exception, "UnicodeDecodeError") == 0) {
      throw TypeError("don't know how to handle UnicodeDecodeError in error callback");
    }
  }
  if (errors == "surrogateescape" || errors == "surrogatepass" || errors == "namereplace") {
    // Lone surrogates cannot be UTF-8 text; namereplace needs the Unicode
    // name database.
    throw ValueError("pyproc: the error handler '" + errors + "' is not supported");
  }
  throw LookupError("unknown error handler name '" + errors + "'");
}

void append_utf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

// The code point of the valid sequence of `length` bytes at s[i].
std::uint32_t code_point_at(std::string_view s, std::size_t i, std::size_t length) {
  const auto byte = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[i + k]));
  };
  switch (length) {
    case 1:
      return byte(0);
    case 2:
      return ((byte(0) & 0x1F) << 6) | (byte(1) & 0x3F);
    case 3:
      return ((byte(0) & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
    default:
      return ((byte(0) & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) |
             (byte(3) & 0x3F);
  }
}

// The index of the first byte of `s` at or after `i` that is not ASCII.
std::size_t skip_ascii(std::string_view s, std::size_t i) {
  // Eight bytes at a time (most output is ASCII).
  while (i + sizeof(std::uint64_t) <= s.size()) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + i, sizeof word);
    if ((word & 0x8080808080808080ULL) != 0) break;
    i += sizeof word;
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  return i;
}

// The first UTF-8 error of `s` from `i` on; `i` is then where it starts
// (s.size() when there is none).
bool next_utf8_error(std::string_view s, std::size_t& i, DecodeError& error) {
  for (i = skip_ascii(s, i); i < s.size(); i = skip_ascii(s, i)) {
    Stop stop{};
    const std::size_t length = sequence_length(s, i, stop);
    if (length == 0) {
      error = utf8_error(s, i, stop);
      return true;
    }
    i += length;
  }
  return false;
}

// A character as Python escapes it: \xe9, \u20ac, \U0001f600.
std::string escaped(char32_t c) {
  const auto value = static_cast<std::uint32_t>(c);
  if (value <= 0xFF) return "\\x" + hex(value, 2);
  if (value <= 0xFFFF) return "\\u" + hex(value, 4);
  return "\\U" + hex(value, 8);
}

// encodings.normalize_encoding() and then the aliases of the three codecs
// (Lib/encodings/aliases.py), lower-cased as codecs.lookup() does.
std::string normalize_encoding(const std::string& name) {
  std::string out;
  bool punctuation = false;
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '.') {
      if (punctuation && !out.empty()) out += '_';
      out += static_cast<char>(std::tolower(byte));
      punctuation = false;
    } else {
      punctuation = true;
    }
  }
  return out;
}

bool one_of(const std::string& name, std::initializer_list<std::string_view> names) {
  for (const std::string_view candidate : names) {
    if (name == candidate) return true;
  }
  return false;
}

}  // namespace

Codec::Codec(const std::optional<std::string>& encoding, const std::optional<std::string>& errors) {
  if (errors) errors_ = *errors;
  if (!encoding) return;
  const std::string name = normalize_encoding(*encoding);
  if (one_of(name, {"utf_8", "utf8", "u8", "utf", "cp65001"})) {
    kind_ = Kind::utf8;
  } else if (one_of(name, {"latin_1", "latin1", "latin", "l1", "iso8859_1", "iso_8859_1", "8859",
                           "cp819", "ibm819", "iso_ir_100", "csisolatin1", "iso_8859_1_1987"})) {
    kind_ = Kind::latin1;
  } else if (one_of(name, {"ascii", "us_ascii", "646", "us", "ansi_x3.4_1968", "ansi_x3_4_1968",
                           "ansi_x3.4_1986", "cp367", "csascii", "ibm367", "iso646_us",
                           "iso_646.irv_1991", "iso_ir_6"})) {
    kind_ = Kind::ascii;
  } else {
    throw LookupError("unknown encoding: " + *encoding);
  }
}

void Codec::decode(std::string& data) const {
  const char* codec = kind_ == Kind::utf8 ? "utf-8" : kind_ == Kind::ascii ? "ascii" : "latin-1";
  // Valid text (ASCII for every codec) is decoded where it is.
  std::size_t i = 0;
  DecodeError error{};
  const bool clean = kind_ == Kind::utf8 ? !next_utf8_error(data, i, error)
                                         : (i = skip_ascii(data, 0)) == data.size();
  if (clean) {
    pyproc::detail::translate_newlines(data);
    return;
  }
  std::string out(data, 0, i);
  out.reserve(data.size() + data.size() / 2);
  const auto handle = [&](const DecodeError& e) {
    if (errors_ == "strict") raise_decode_error(codec, data, e);
    if (errors_ == "replace") {
      out += "\xEF\xBF\xBD";  // U+FFFD
    } else if (errors_ == "backslashreplace") {
      for (std::size_t k = e.start; k < e.end; ++k) {
        out += "\\x" + hex(static_cast<unsigned char>(data[k]), 2);
      }
    } else if (errors_ != "ignore") {
      unsupported_handler(errors_, "UnicodeDecodeError");
    }
  };
  while (i < data.size()) {
    const auto byte = static_cast<unsigned char>(data[i]);
    if (kind_ == Kind::latin1) {
      append_utf8(out, byte);
      ++i;
    } else if (kind_ == Kind::ascii) {
      if (byte < 0x80) {
        out += static_cast<char>(byte);
      } else {
        handle({i, i + 1, "ordinal not in range(128)"});
      }
      ++i;
    } else {
      const std::size_t from = i;
      const bool failed = next_utf8_error(data, i, error);
      out.append(data, from, i - from);
      if (!failed) break;
      handle(error);
      i = error.end;
    }
  }
  pyproc::detail::translate_newlines(out);
  data = std::move(out);
}

std::string Codec::encode(const std::string& text) const {
  // The text is UTF-8: checked strictly, whatever the handler.
  std::size_t i = 0;
  DecodeError error{};
  if (next_utf8_error(text, i, error)) raise_decode_error("utf-8", text, error);
  if (kind_ == Kind::utf8 || skip_ascii(text, 0) == text.size()) return text;

  const char* codec = kind_ == Kind::ascii ? "ascii" : "latin-1";
  const std::uint32_t limit = kind_ == Kind::ascii ? 0x80 : 0x100;
  // The code points, so that positions count characters, as Python's do.
  std::u32string chars;
  for (std::size_t k = 0; k < text.size();) {
    Stop stop{};
    const std::size_t length = sequence_length(text, k, stop);
    chars += static_cast<char32_t>(code_point_at(text, k, length));
    k += length;
  }
  std::string out;
  out.reserve(chars.size());
  for (std::size_t k = 0; k < chars.size();) {
    if (chars[k] < limit) {
      out += static_cast<char>(static_cast<unsigned char>(chars[k]));
      ++k;
      continue;
    }
    // The run of characters the codec cannot hold is one error.
    std::size_t end = k;
    while (end < chars.size() && chars[end] >= limit) ++end;
    if (errors_ == "strict" || errors_ == "surrogateescape" || errors_ == "surrogatepass") {
      // The last two handle only surrogates, which UTF-8 text never holds.
      std::string message = std::string("'") + codec + "' codec can't encode ";
      if (end == k + 1) {
        message += "character '" + escaped(chars[k]) + "' in position " + std::to_string(k);
      } else {
        message += "characters in position " + std::to_string(k) + "-" + std::to_string(end - 1);
      }
      throw UnicodeEncodeError(message + ": ordinal not in range(" + std::to_string(limit) + ")");
    }
    for (; k < end; ++k) {
      if (errors_ == "replace") {
        out += '?';
      } else if (errors_ == "backslashreplace") {
        out += escaped(chars[k]);
      } else if (errors_ == "xmlcharrefreplace") {
        out += "&#" + std::to_string(static_cast<std::uint32_t>(chars[k])) + ";";
      } else if (errors_ != "ignore") {
        unsupported_handler(errors_, "UnicodeEncodeError");
      }
    }
  }
  return out;
}

std::size_t Codec::incomplete_tail(std::string_view data) const {
  if (kind_ != Kind::utf8) return 0;
  // A sequence is at most 4 bytes, so a cut one starts in the last 3.
  const std::size_t first = data.size() > 3 ? data.size() - 3 : 0;
  for (std::size_t i = data.size(); i-- > first;) {
    if (continuation(static_cast<unsigned char>(data[i]))) continue;
    Stop stop = Stop::invalid_start;
    if (sequence_length(data, i, stop) == 0 && stop == Stop::truncated) return data.size() - i;
    return 0;
  }
  return 0;
}

}  // namespace pyproc::subprocess::detail

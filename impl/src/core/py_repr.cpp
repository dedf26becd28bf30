// Python's str, float and list repr, multiprocessing.process._exitcode_to_name
// and the repr of signal.Signals members.
#include "pyproc/py_repr.hpp"

#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C

#include <charconv>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <system_error>

#include "core/unicode_printable.hpp"

namespace pyproc::detail {
namespace {

struct Decoded {
  char32_t code_point;
  std::size_t length;  // bytes consumed
};

// Strict UTF-8 (no overlong forms, no encoded surrogates, nothing above
// U+10FFFF), like Python's decoder. An invalid byte decodes alone to the
// surrogateescape code point U+DC00 + byte.
Decoded decode_one(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  const Decoded invalid{static_cast<char32_t>(0xDC00 + b0), 1};
  if (b0 < 0x80) return {b0, 1};
  std::size_t length;
  char32_t cp;
  char32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2, cp = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3, cp = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return invalid;
  }
  if (i + length > s.size()) return invalid;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return invalid;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return invalid;
  return {cp, length};
}

void append_hex(std::string& out, char32_t value, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xF];
}

}  // namespace

// Objects/bytesobject.c, PyBytes_Repr().
std::string py_bytes_repr(std::string_view bytes) {
  // bytes.__repr__: single quotes unless the bytes hold ' and no ".
  const bool dquote =
      bytes.find('\'') != std::string_view::npos && bytes.find('"') == std::string_view::npos;
  const char quote = dquote ? '"' : '\'';
  std::string out = "b";
  out += quote;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (byte < 0x20 || byte >= 0x7f) {
      constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  out += quote;
  return out;
}

// Objects/unicodeobject.c, unicode_repr().
std::string py_str_repr(std::string_view utf8) {
  const bool has_single = utf8.find('\'') != std::string_view::npos;
  const bool has_double = utf8.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';

  std::string out(1, quote);
  for (std::size_t i = 0; i < utf8.size();) {
    const Decoded d = decode_one(utf8, i);
    const char32_t ch = d.code_point;
    if (ch == static_cast<unsigned char>(quote) || ch == '\\') {
      out += '\\';
      out += static_cast<char>(ch);
    } else if (ch == '\t') {
      out += "\\t";
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch >= ' ' && ch < 0x7F) {
      out += static_cast<char>(ch);
    } else if (ch > 0x7F && is_printable(ch)) {
      out.append(utf8.substr(i, d.length));  // valid UTF-8 by construction
    } else if (ch <= 0xFF) {                 // C0 controls, DEL, C1 controls, NBSP, soft hyphen
      out += "\\x";
      append_hex(out, ch, 2);
    } else if (ch <= 0xFFFF) {
      out += "\\u";
      append_hex(out, ch, 4);
    } else {
      out += "\\U";
      append_hex(out, ch, 8);
    }
    i += d.length;
  }
  out += quote;
  return out;
}

namespace {

// CPython builds _exitcode_to_name from every name in the signal module that
// starts with "SIG" and has no "_"; where two names share a number the later
// one in the module wins, which on Linux leaves SIGABRT (not SIGIOT), SIGPOLL
// (not SIGIO) and SIGCHLD (not SIGCLD), plus SIGRTMIN and SIGRTMAX but none of
// the numbers between them. Checked against CPython 3.11 on Linux.
std::optional<const char*> signal_name(int signum) {
  switch (signum) {
    case SIGHUP:
      return "SIGHUP";
    case SIGINT:
      return "SIGINT";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGILL:
      return "SIGILL";
    case SIGTRAP:
      return "SIGTRAP";
    case SIGABRT:
      return "SIGABRT";
    case SIGBUS:
      return "SIGBUS";
    case SIGFPE:
      return "SIGFPE";
    case SIGKILL:
      return "SIGKILL";
    case SIGUSR1:
      return "SIGUSR1";
    case SIGSEGV:
      return "SIGSEGV";
    case SIGUSR2:
      return "SIGUSR2";
    case SIGPIPE:
      return "SIGPIPE";
    case SIGALRM:
      return "SIGALRM";
    case SIGTERM:
      return "SIGTERM";
    case SIGSTKFLT:
      return "SIGSTKFLT";
    case SIGCHLD:
      return "SIGCHLD";
    case SIGCONT:
      return "SIGCONT";
    case SIGSTOP:
      return "SIGSTOP";
    case SIGTSTP:
      return "SIGTSTP";
    case SIGTTIN:
      return "SIGTTIN";
    case SIGTTOU:
      return "SIGTTOU";
    case SIGURG:
      return "SIGURG";
    case SIGXCPU:
      return "SIGXCPU";
    case SIGXFSZ:
      return "SIGXFSZ";
    case SIGVTALRM:
      return "SIGVTALRM";
    case SIGPROF:
      return "SIGPROF";
    case SIGWINCH:
      return "SIGWINCH";
    case SIGPOLL:
      return "SIGPOLL";
    case SIGPWR:
      return "SIGPWR";
    case SIGSYS:
      return "SIGSYS";
    default:
      break;
  }
  // Not constants: glibc reserves the first real-time signals for itself.
  if (signum == SIGRTMIN) return "SIGRTMIN";
  if (signum == SIGRTMAX) return "SIGRTMAX";
  return std::nullopt;
}

}  // namespace

std::string exitcode_text(int exitcode) {
  if (exitcode < 0 && exitcode != INT_MIN) {
    if (auto name = signal_name(-exitcode)) return std::string("-") + *name;
  }
  return std::to_string(exitcode);
}

// signal.Signals is an IntEnum whose canonical member for a number is the
// first name the module defines for it: SIGIO (not SIGPOLL, which
// _exitcode_to_name keeps), SIGABRT, SIGCHLD. Checked against CPython 3.11.
std::optional<std::string> signals_repr(int signum) {
  const std::optional<const char*> name = signum == SIGIO ? "SIGIO" : signal_name(signum);
  if (!name) return std::nullopt;
  return "<Signals." + std::string(*name) + ": " + std::to_string(signum) + ">";
}

// float_repr_style 'short' (Python/pystrtod.c, format code 'r'): the shortest
// round-trip digits, in positional notation unless the decimal point would
// sit more than 16 places right of the first digit or 4 or more places left
// of it; ".0" when positional with no fraction; exponent with a sign and at
// least two digits.
std::string py_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buf[64];
  // Shortest round-trip digits, as d.ddde[+-]x.
  const auto [end, ec] =
      std::to_chars(buf, buf + sizeof buf, std::fabs(value), std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<std::size_t>(end - buf));
  const std::size_t e_pos = sci.find('e');
  std::string digits(sci.substr(0, e_pos));
  if (digits.size() > 1) digits.erase(1, 1);  // the '.'
  // to_chars wrote it: always a sign and digits, never out of range.
  int exponent = 0;
  const std::string_view exponent_text = sci.substr(e_pos + 1);
  std::from_chars(exponent_text.data() + (exponent_text.front() == '+' ? 1 : 0),
                  exponent_text.data() + exponent_text.size(), exponent);
  const int decpt = exponent + 1;  // digits before the decimal point
  const int ndigits = static_cast<int>(digits.size());
  std::string out = std::signbit(value) ? "-" : "";
  if (decpt <= -4 || decpt > 16) {
    out += digits[0];
    if (ndigits > 1) out += "." + digits.substr(1);
    out += exponent < 0 ? "e-" : "e+";
    const std::string exp_digits = std::to_string(std::abs(exponent));
    if (exp_digits.size() < 2) out += '0';
    out += exp_digits;
  } else if (decpt <= 0) {
    out += "0." + std::string(static_cast<std::size_t>(-decpt), '0') + digits;
  } else if (decpt < ndigits) {
    out += digits.substr(0, static_cast<std::size_t>(decpt)) + "." +
           digits.substr(static_cast<std::size_t>(decpt));
  } else {
    out += digits + std::string(static_cast<std::size_t>(decpt - ndigits), '0') + ".0";
  }
  (void)ec;  // 64 bytes always hold a double
  return out;
}

std::string py_str_list_repr(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += py_str_repr(items[i]);
  }
  return out + "]";
}

}  // namespace pyproc::detail

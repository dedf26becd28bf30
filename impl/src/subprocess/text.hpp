// Text mode of subprocess: Popen._translate_newlines(), which decodes the
// bytes a child wrote (bytes.decode(encoding, errors)) and then turns "\r\n"
// and "\r" into "\n", and the encoding of text-mode input
// (str.encode(encoding, errors)). Text is UTF-8 on the C++ side.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace pyproc::subprocess::detail {

// One of CPython's codecs with an error handler, resolved once.
class Codec {
 public:
  // `encoding` std::nullopt is the locale's, UTF-8 here; `errors`
  // std::nullopt is "strict". An encoding this does not know raises
  // LookupError("unknown encoding: x") (codecs.lookup()); an error handler is
  // only looked up when an error needs it, as in CPython.
  Codec(const std::optional<std::string>& encoding, const std::optional<std::string>& errors);

  // bytes.decode(encoding, errors) into UTF-8, then universal newlines, in
  // place. Strict errors raise UnicodeDecodeError with CPython's message
  // ("'utf-8' codec can't decode byte 0xff in position 0: invalid start
  // byte", "... bytes in position 2-3: unexpected end of data"); "replace"
  // puts U+FFFD for each error, "ignore" drops it, "backslashreplace" writes
  // \xNN for each of its bytes.
  void decode(std::string& data) const;

  // str.encode(encoding, errors) of UTF-8 `text` (a strict UTF-8 check
  // first: text that is not UTF-8 raises UnicodeDecodeError). latin-1 and
  // ascii raise UnicodeEncodeError ("'latin-1' codec can't encode character
  // '\u20ac' in position 0: ordinal not in range(256)") for what they cannot
  // hold, or put "?" (replace), nothing (ignore), "\u20ac"
  // (backslashreplace) or "&#8364;" (xmlcharrefreplace) in its place.
  [[nodiscard]] std::string encode(const std::string& text) const;

  // How many bytes at the end of `data` begin a character that more bytes
  // may complete (a UTF-8 sequence cut short): what an incremental decoder
  // keeps back until the next read or the end of the file. 0 for latin-1
  // and ascii, whose characters are one byte each.
  [[nodiscard]] std::size_t incomplete_tail(std::string_view data) const;

 private:
  enum class Kind { utf8, latin1, ascii };
  Kind kind_ = Kind::utf8;
  std::string errors_ = "strict";
};

}  // namespace pyproc::subprocess::detail

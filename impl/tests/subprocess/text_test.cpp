// Text mode's codecs (impl/src/subprocess/text.hpp): CPython's strict
// UTF-8 decoder, error by error, universal newlines, the latin-1 and ascii
// codecs, the error handlers, and the encoding of input. Every expected value
// or message is what bytes.decode(encoding, errors) or str.encode(encoding,
// errors) gives in CPython 3.11 for the same data.
#include "subprocess/text.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pyproc/exceptions.hpp"
#include "support/raised.hpp"

namespace pyproc {
namespace {

using subprocess::detail::Codec;

std::string decoded(std::string data, const std::optional<std::string>& encoding = std::nullopt,
                    const std::optional<std::string>& errors = std::nullopt) {
  Codec(encoding, errors).decode(data);
  return data;
}

std::string encoded(const std::string& text, const std::string& encoding,
                    const std::string& errors = "strict") {
  return Codec(encoding, errors).encode(text);
}

TEST(SubprocessDecode, InvalidUtf8RaisesCpythonsMessage) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string("ab\xff"
                   "c",
                   4),
       "'utf-8' codec can't decode byte 0xff in position 2: invalid start byte"},
      {std::string("\x80", 1),
       "'utf-8' codec can't decode byte 0x80 in position 0: invalid start byte"},
      {std::string("\xc1\x81", 2),
       "'utf-8' codec can't decode byte 0xc1 in position 0: invalid start byte"},
      {std::string("\xc2", 1),
       "'utf-8' codec can't decode byte 0xc2 in position 0: unexpected end of data"},
      {std::string("ab\xc3", 3),
       "'utf-8' codec can't decode byte 0xc3 in position 2: unexpected end of data"},
      {std::string("\xc3x", 2),
       "'utf-8' codec can't decode byte 0xc3 in position 0: invalid continuation byte"},
      {std::string("\xe0\x80\x80", 3),
       "'utf-8' codec can't decode byte 0xe0 in position 0: invalid continuation byte"},
      {std::string("\xe0\xa0", 2),
       "'utf-8' codec can't decode bytes in position 0-1: unexpected end of data"},
      {std::string("\xe0\xa0x", 3),
       "'utf-8' codec can't decode bytes in position 0-1: invalid continuation byte"},
      {std::string("\xed\xa0\x80", 3),
       "'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte"},
      {std::string("\xed\x9f", 2),
       "'utf-8' codec can't decode bytes in position 0-1: unexpected end of data"},
      {std::string("\xef\xbf", 2),
       "'utf-8' codec can't decode bytes in position 0-1: unexpected end of data"},
      {std::string("\xf0\x80", 2),
       "'utf-8' codec can't decode byte 0xf0 in position 0: invalid continuation byte"},
      {std::string("\xf0\x90", 2),
       "'utf-8' codec can't decode bytes in position 0-1: unexpected end of data"},
      {std::string("\xf0\x90\x80", 3),
       "'utf-8' codec can't decode bytes in position 0-2: unexpected end of data"},
      {std::string("\xf0\x90\x80x", 4),
       "'utf-8' codec can't decode bytes in position 0-2: invalid continuation byte"},
      {std::string("\xf0\x90x", 3),
       "'utf-8' codec can't decode bytes in position 0-1: invalid continuation byte"},
      {std::string("\xf4\x90\x80\x80", 4),
       "'utf-8' codec can't decode byte 0xf4 in position 0: invalid continuation byte"},
      {std::string("\xf4\x8f\xbf", 3),
       "'utf-8' codec can't decode bytes in position 0-2: unexpected end of data"},
      {std::string("\xf5", 1),
       "'utf-8' codec can't decode byte 0xf5 in position 0: invalid start byte"},
      {std::string("\xff", 1),
       "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"},
      {std::string("12345678\xff", 9),
       "'utf-8' codec can't decode byte 0xff in position 8: invalid start byte"},
      {std::string("\xe2\x82\xacok\xf0\x9f\x98\x80\xc3", 10),
       "'utf-8' codec can't decode byte 0xc3 in position 9: unexpected end of data"},
  };
  for (const auto& [bytes, message] : cases) {
    EXPECT_EQ(testing::raised([&bytes = bytes] { decoded(bytes); }),
              "UnicodeDecodeError: " + message)
        << testing::raised([&bytes = bytes] { decoded(bytes); });
  }
}

TEST(SubprocessDecode, ValidUtf8PassesUnchanged) {
  const std::string text =
      "ascii \xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbf "
      "\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf and a longer ASCII tail of more than eight bytes";
  EXPECT_EQ(decoded(text), text);
  EXPECT_EQ(decoded(""), "");
}

TEST(SubprocessDecode, UniversalNewlines) {
  EXPECT_EQ(decoded("a\r\nb\rc\n\r\n\r\r"), "a\nb\nc\n\n\n\n");
  EXPECT_EQ(decoded("no carriage return\n"), "no carriage return\n");
  EXPECT_EQ(decoded("\r"), "\n");
  // A UTF-8 error is raised before any newline is translated.
  EXPECT_EQ(testing::raised([] { decoded("\r\n\xff"); }),
            "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 2: invalid "
            "start byte");
}

// codecs.lookup(): case, spaces and punctuation do not matter; aliases do.
TEST(SubprocessCodec, EncodingNamesAreLookedUpAsPythonDoes) {
  for (const char* name : {"utf-8", "UTF8", "  utf_8  ", "u8"}) {
    EXPECT_EQ(decoded("\xc3\xa9", name), "\xc3\xa9") << name;
  }
  for (const char* name : {"latin-1", "Latin 1", "iso-8859-1", "ISO_8859-1:1987", "l1"}) {
    EXPECT_EQ(decoded("\xe9", name), "\xc3\xa9") << name;
  }
  EXPECT_EQ(decoded("ok", "US-ASCII"), "ok");
  EXPECT_EQ(testing::raised([] { decoded("x", "bogus-x"); }),
            "LookupError: unknown encoding: bogus-x");
}

TEST(SubprocessCodec, Latin1AndAsciiDecode) {
  EXPECT_EQ(decoded("\xe9t\xe9", "latin-1"), "\xc3\xa9t\xc3\xa9");  // 'été'
  EXPECT_EQ(decoded("\xff\r\n", "latin1"), "\xc3\xbf\n");
  EXPECT_EQ(testing::raised([] {
              decoded(
                  "a\xe9"
                  "b",
                  "ascii");
            }),
            "UnicodeDecodeError: 'ascii' codec can't decode byte 0xe9 in position 1: ordinal not "
            "in range(128)");
  EXPECT_EQ(decoded("a\xe9\xea"
                    "b",
                    "ascii", "replace"),
            "a\xef\xbf\xbd\xef\xbf\xbd"
            "b");
  EXPECT_EQ(decoded("a\xe9"
                    "b\r\n",
                    "ascii", "backslashreplace"),
            "a\\xe9"
            "b\n");
}

TEST(SubprocessCodec, Utf8ErrorHandlers) {
  const std::string bad(
      "a\xff\xfe"
      "b\xe0\xa0",
      6);
  EXPECT_EQ(decoded("\xe9t\xe9", "utf-8", "replace"), "\xef\xbf\xbdt\xef\xbf\xbd");
  EXPECT_EQ(decoded(bad, "utf-8", "replace"),
            "a\xef\xbf\xbd\xef\xbf\xbd"
            "b\xef\xbf\xbd");
  EXPECT_EQ(decoded(bad, "utf-8", "ignore"), "ab");
  EXPECT_EQ(decoded(bad, "utf-8", "backslashreplace"), "a\\xff\\xfeb\\xe0\\xa0");
  // A surrogate's three bytes are three errors; a truncated sequence one.
  EXPECT_EQ(decoded("\xed\xa0\x80x", std::nullopt, "replace"),
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx");
  EXPECT_EQ(decoded("\xf0\x90\x80", std::nullopt, "replace"), "\xef\xbf\xbd");
  // A handler is looked up only when an error needs it.
  EXPECT_EQ(decoded("ok", std::nullopt, "bogus"), "ok");
  EXPECT_EQ(testing::raised([] { decoded("\xe9", std::nullopt, "bogus"); }),
            "LookupError: unknown error handler name 'bogus'");
  EXPECT_EQ(testing::raised([] { decoded("\xe9", std::nullopt, "xmlcharrefreplace"); }),
            "TypeError: don't know how to handle UnicodeDecodeError in error callback");
  // Lone surrogates are not UTF-8 text: a declared limit of C++ strings.
  EXPECT_EQ(testing::raised([] { decoded("\xe9", std::nullopt, "surrogateescape"); }),
            "ValueError: pyproc: the error handler 'surrogateescape' is not supported");
}

TEST(SubprocessCodec, InputIsEncoded) {
  const std::string text = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";  // 'é€😀'
  EXPECT_EQ(encoded(text, "utf-8"), text);
  EXPECT_EQ(encoded("plain\n", "ascii"), "plain\n");
  EXPECT_EQ(encoded("\xc3\xa9", "latin-1"), "\xe9");
  EXPECT_EQ(testing::raised([] { encoded("\xc3\xa9\xe2\x82\xac", "latin-1"); }),
            "UnicodeEncodeError: 'latin-1' codec can't encode character '\\u20ac' in position 1: "
            "ordinal not in range(256)");
  EXPECT_EQ(testing::raised([] {
              encoded(
                  "a\xe2\x82\xac\xe2\x82\xac"
                  "b",
                  "latin-1");
            }),
            "UnicodeEncodeError: 'latin-1' codec can't encode characters in position 1-2: "
            "ordinal not in range(256)");
  EXPECT_EQ(testing::raised([] {
              encoded(
                  "a\xe2\x82\xac\xf0\x9f\x98\x80"
                  "b",
                  "ascii");
            }),
            "UnicodeEncodeError: 'ascii' codec can't encode characters in position 1-2: "
            "ordinal not in range(128)");
  EXPECT_EQ(testing::raised([] { encoded("\xc3\xa9\xe2\x82\xac", "latin-1", "surrogateescape"); }),
            "UnicodeEncodeError: 'latin-1' codec can't encode character '\\u20ac' in position 1: "
            "ordinal not in range(256)");
  EXPECT_EQ(encoded(text, "ascii", "replace"), "???");
  EXPECT_EQ(encoded(text, "latin-1", "backslashreplace"), "\xe9\\u20ac\\U0001f600");
  EXPECT_EQ(encoded(text, "ascii", "xmlcharrefreplace"), "&#233;&#8364;&#128512;");
  EXPECT_EQ(encoded("\xc3\xa9\xe2\x82\xac", "latin-1", "ignore"), "\xe9");
  EXPECT_EQ(testing::raised([] { encoded("\xe2\x82\xac", "latin-1", "bogus"); }),
            "LookupError: unknown error handler name 'bogus'");
  // What is not UTF-8 is no text to encode.
  EXPECT_EQ(testing::raised([] { encoded("\xff", "latin-1"); }),
            "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid "
            "start byte");
}

}  // namespace
}  // namespace pyproc

// Text mode's decoding (impl/src/subprocess_text.hpp): CPython's strict
// UTF-8 decoder, error by error, and universal newlines. Every expected
// message is str() of the UnicodeDecodeError that bytes.decode("utf-8")
// raises in CPython 3.11 for the same bytes.
#include "subprocess_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "pyproc/exceptions.hpp"
#include "raised.hpp"

namespace pyproc {
namespace {

using subprocess::detail::decode_text;

std::string decoded(std::string data) {
  decode_text(data);
  return data;
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
    EXPECT_EQ(testing::raised([&] { decoded(bytes); }), "UnicodeDecodeError: " + message)
        << testing::raised([&] { decoded(bytes); });
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

}  // namespace
}  // namespace pyproc

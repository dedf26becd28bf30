// repr() text: Python's str repr and the exit-code names of Process.__repr__.
#include "pyproc/py_repr.hpp"

#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace pyproc::detail {
namespace {

// Expected values are what CPython 3.11 prints for repr(s).
TEST(PyStrRepr, QuotesLikeCPython) {
  EXPECT_EQ(py_str_repr("abc"), "'abc'");
  EXPECT_EQ(py_str_repr(""), "''");
  EXPECT_EQ(py_str_repr("a'b"), "\"a'b\"");
  EXPECT_EQ(py_str_repr("a\"b"), "'a\"b'");
  EXPECT_EQ(py_str_repr("a'b\"c"), "'a\\'b\"c'");
}

TEST(PyStrRepr, EscapesAsciiControlsAndBackslash) {
  EXPECT_EQ(py_str_repr("\\"), "'\\\\'");
  EXPECT_EQ(py_str_repr("\t\n\r"), "'\\t\\n\\r'");
  EXPECT_EQ(py_str_repr(std::string("\x00\x1f\x7f", 3)), "'\\x00\\x1f\\x7f'");
}

TEST(PyStrRepr, NonAsciiPrintablePassesThroughOthersAreEscaped) {
  // é, 漢, Ā and 😀 are printable; U+0080, U+009F, U+00A0 (no-break space),
  // U+00AD (soft hyphen) are not, nor are U+200B, U+2028, U+3000, U+FEFF,
  // U+E000 (private use), U+FFFF, U+E0001, U+F0000, U+10FFFF, U+0378 (unassigned).
  EXPECT_EQ(py_str_repr("é漢Āÿ😀"), "'é漢Āÿ😀'");
  EXPECT_EQ(py_str_repr("\u0080\u009f\u00a0\u00ad"), "'\\x80\\x9f\\xa0\\xad'");
  EXPECT_EQ(py_str_repr("\u200b\u2028\u3000\ufeff\ue000\uffff"),
            "'\\u200b\\u2028\\u3000\\ufeff\\ue000\\uffff'");
  EXPECT_EQ(py_str_repr("\U000e0001\U000f0000\U0010ffff"), "'\\U000e0001\\U000f0000\\U0010ffff'");
  EXPECT_EQ(py_str_repr("\u0378"), "'\\u0378'");
}

TEST(PyStrRepr, InvalidUtf8ShowsAsSurrogateEscapes) {
  EXPECT_EQ(py_str_repr("a\xff"), "'a\\udcff'");
  EXPECT_EQ(py_str_repr("\xe2\x82"), "'\\udce2\\udc82'");             // truncated sequence
  EXPECT_EQ(py_str_repr("\xc0\xaf"), "'\\udcc0\\udcaf'");             // overlong '/'
  EXPECT_EQ(py_str_repr("\xed\xa0\x80"), "'\\udced\\udca0\\udc80'");  // encoded surrogate
}

TEST(ExitcodeText, NamesSignalsLikeCPythonOnLinux) {
  EXPECT_EQ(exitcode_text(0), "0");
  EXPECT_EQ(exitcode_text(1), "1");
  EXPECT_EQ(exitcode_text(255), "255");
  EXPECT_EQ(exitcode_text(-1), "-SIGHUP");
  EXPECT_EQ(exitcode_text(-6), "-SIGABRT");
  EXPECT_EQ(exitcode_text(-9), "-SIGKILL");
  EXPECT_EQ(exitcode_text(-15), "-SIGTERM");
  EXPECT_EQ(exitcode_text(-17), "-SIGCHLD");
  EXPECT_EQ(exitcode_text(-29), "-SIGPOLL");
  EXPECT_EQ(exitcode_text(-31), "-SIGSYS");
  EXPECT_EQ(exitcode_text(-34), "-SIGRTMIN");
  EXPECT_EQ(exitcode_text(-40), "-40");
  EXPECT_EQ(exitcode_text(-64), "-SIGRTMAX");
  EXPECT_EQ(exitcode_text(-65), "-65");
  EXPECT_EQ(exitcode_text(INT_MIN), std::to_string(INT_MIN));
}

// multiprocessing.process._exitcode_to_name of CPython 3.11.7 on Linux x86-64,
// printed by `sorted((-k, v) for k, v in _exitcode_to_name.items())`: every
// number it names; the others (32, 33, 35-63, 65) stay numbers.
TEST(ExitcodeText, EverySignalNumberAsCPythonNamesIt) {
  const std::map<int, std::string> named = {
      {1, "SIGHUP"},     {2, "SIGINT"},    {3, "SIGQUIT"},   {4, "SIGILL"},   {5, "SIGTRAP"},
      {6, "SIGABRT"},    {7, "SIGBUS"},    {8, "SIGFPE"},    {9, "SIGKILL"},  {10, "SIGUSR1"},
      {11, "SIGSEGV"},   {12, "SIGUSR2"},  {13, "SIGPIPE"},  {14, "SIGALRM"}, {15, "SIGTERM"},
      {16, "SIGSTKFLT"}, {17, "SIGCHLD"},  {18, "SIGCONT"},  {19, "SIGSTOP"}, {20, "SIGTSTP"},
      {21, "SIGTTIN"},   {22, "SIGTTOU"},  {23, "SIGURG"},   {24, "SIGXCPU"}, {25, "SIGXFSZ"},
      {26, "SIGVTALRM"}, {27, "SIGPROF"},  {28, "SIGWINCH"}, {29, "SIGPOLL"}, {30, "SIGPWR"},
      {31, "SIGSYS"},    {34, "SIGRTMIN"}, {64, "SIGRTMAX"},
  };
  for (int signum = 1; signum <= 65; ++signum) {
    const auto it = named.find(signum);
    EXPECT_EQ(exitcode_text(-signum),
              it != named.end() ? "-" + it->second : "-" + std::to_string(signum));
  }
}

// repr(signal.Signals(n)) of CPython 3.11.7 on Linux for every n that has a
// member; 29 is SIGIO there (the enum keeps the first name), not SIGPOLL.
TEST(SignalsRepr, EveryMemberAsCPythonPrintsIt) {
  const std::map<int, std::string> members = {
      {1, "SIGHUP"},     {2, "SIGINT"},    {3, "SIGQUIT"},   {4, "SIGILL"},   {5, "SIGTRAP"},
      {6, "SIGABRT"},    {7, "SIGBUS"},    {8, "SIGFPE"},    {9, "SIGKILL"},  {10, "SIGUSR1"},
      {11, "SIGSEGV"},   {12, "SIGUSR2"},  {13, "SIGPIPE"},  {14, "SIGALRM"}, {15, "SIGTERM"},
      {16, "SIGSTKFLT"}, {17, "SIGCHLD"},  {18, "SIGCONT"},  {19, "SIGSTOP"}, {20, "SIGTSTP"},
      {21, "SIGTTIN"},   {22, "SIGTTOU"},  {23, "SIGURG"},   {24, "SIGXCPU"}, {25, "SIGXFSZ"},
      {26, "SIGVTALRM"}, {27, "SIGPROF"},  {28, "SIGWINCH"}, {29, "SIGIO"},   {30, "SIGPWR"},
      {31, "SIGSYS"},    {34, "SIGRTMIN"}, {64, "SIGRTMAX"},
  };
  for (int signum = 0; signum <= 66; ++signum) {
    const auto it = members.find(signum);
    if (it == members.end()) {
      EXPECT_EQ(signals_repr(signum), std::nullopt) << signum;
    } else {
      EXPECT_EQ(signals_repr(signum),
                "<Signals." + it->second + ": " + std::to_string(signum) + ">");
    }
  }
}

// repr(x) in CPython 3.11 for each x.
TEST(PyFloatRepr, ShortestRoundTripInPythonsLayout) {
  const std::vector<std::pair<double, std::string>> cases = {
      {0.5, "0.5"},
      {1.0, "1.0"},
      {1e-07, "1e-07"},
      {1e+20, "1e+20"},
      {100.0, "100.0"},
      {1e+16, "1e+16"},
      {1000000000000000.0, "1000000000000000.0"},
      {1.2345678901234568e+17, "1.2345678901234568e+17"},
      {0.0001, "0.0001"},
      {1e-05, "1e-05"},
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {-2.5, "-2.5"},
      {0.1 + 0.2, "0.30000000000000004"},
      {1.5e+300, "1.5e+300"},
      {5e-324, "5e-324"},
      {0.24995221000062884, "0.24995221000062884"},
      {12345.678, "12345.678"},
      {HUGE_VAL, "inf"},
      {-HUGE_VAL, "-inf"},
      {std::nan(""), "nan"},
      {1e+22, "1e+22"},
      {2.5e-05, "2.5e-05"},
      {1.23456e-08, "1.23456e-08"},
  };
  for (const auto& [value, text] : cases) EXPECT_EQ(py_float_repr(value), text);
}

TEST(PyStrListRepr, ItemsAsReprSeparatedByCommaSpace) {
  EXPECT_EQ(py_str_list_repr({}), "[]");
  EXPECT_EQ(py_str_list_repr({"a"}), "['a']");
  EXPECT_EQ(py_str_list_repr({"a", "it's", "\\"}), "['a', \"it's\", '\\\\']");
}

}  // namespace
}  // namespace pyproc::detail

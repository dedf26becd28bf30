// Text the way CPython formats it in Process.__repr__.
#pragma once

#include <string>
#include <string_view>

namespace pyproc::detail {

// repr() of a Python str holding `utf8`: quotes chosen and characters escaped
// exactly as CPython 3.11 does (non-printable code points become \xNN, \uNNNN
// or \UNNNNNNNN; printable non-ASCII passes through as UTF-8). A byte that is
// not part of valid UTF-8 is shown as Python shows it after a surrogateescape
// decode (os.fsdecode): "\udcNN".
std::string py_str_repr(std::string_view utf8);

// The `exitcode=` text of a stopped process: "-SIGTERM" for -15 and every other
// -N that CPython's signal module names, else the decimal number.
std::string exitcode_text(int exitcode);

}  // namespace pyproc::detail

// Text the way CPython formats it: Process.__repr__, os's and subprocess's
// messages, and the C++ driver's repr() of the values it observes. Public so
// that the driver uses these rather than a copy; not part of the pyproc API
// (namespace detail).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pyproc::detail {

// repr() of a Python str holding `utf8`: quotes chosen and characters escaped
// exactly as CPython 3.11 does (non-printable code points become \xNN, \uNNNN
// or \UNNNNNNNN; printable non-ASCII passes through as UTF-8). A byte that is
// not part of valid UTF-8 is shown as Python shows it after a surrogateescape
// decode (os.fsdecode): "\udcNN".
std::string py_str_repr(std::string_view utf8);

// repr() of a Python bytes object: b'/usr/bin/x'.
std::string py_bytes_repr(std::string_view bytes);

// The `exitcode=` text of a stopped process: "-SIGTERM" for -15 and every other
// -N that CPython's signal module names, else the decimal number.
std::string exitcode_text(int exitcode);

// repr(signal.Signals(signum)), "<Signals.SIGKILL: 9>"; std::nullopt where
// the enum has no member (CPython raises ValueError there).
std::optional<std::string> signals_repr(int signum);

// repr() of a Python float: the shortest text that reads back as `value`,
// "0.5", "1.0", "1e-07", "1e+16", "inf", "nan".
std::string py_float_repr(double value);

// repr() of a Python list of str: "['a', \"b'c\"]".
std::string py_str_list_repr(const std::vector<std::string>& items);

}  // namespace pyproc::detail

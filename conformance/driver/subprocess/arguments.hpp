// The conversions the subprocess family shares: a call's arguments to
// pyproc::subprocess's Command, Timeout and Options, and its results back to
// the protocol's values (spec/protocol.md §4.9, §4.12).
#pragma once

#include <optional>
#include <string>

#include "core/parameters.hpp"
#include "core/py_value.hpp"
#include "pyproc/subprocess.hpp"

namespace pyproc::driver {

// What a str or bytes holds: output in text mode is a str, else bytes.
PyValue output_value(const std::string& data, bool text);
PyValue optional_output(const std::optional<std::string>& data, bool text);
// `args` as the Python objects hold it: a list of str, or a str.
PyValue command_value(const subprocess::Command& command);
subprocess::Command to_command(const PyValue& value);
// A timeout keeps its kind (1 and 1.0 print differently in TimeoutExpired).
subprocess::Timeout to_timeout(const PyValue& value);
std::optional<subprocess::Timeout> to_optional_timeout(const PyValue& value);
// Python's e.timeout: the number as it was given.
PyValue timeout_value(const subprocess::Timeout& timeout);

// The keyword arguments of run() and the other conveniences (CPython passes
// the ones it does not take itself on to Popen).
Signature options_signature();
// Popen(args, bufsize=-1, executable=None, stdin=None, stdout=None,
// stderr=None, ...): Popen's own order, then its keywords.
Signature popen_signature();
// The Options a call bound to `signature` gives: each parameter by name; a
// None where C++ has an optional is "not given".
subprocess::Options options_of(const Signature& signature, const Bound& bound);

}  // namespace pyproc::driver

// The observation of an exception a step raised (spec/protocol.md §4.6),
// with the `exception_attrs` the step asks for (§4.9): the named attributes
// of the exception, encoded as §4.5 says, null for a missing one.
//
// The attributes come from pyproc's exception objects: OSError's errno,
// strerror and filename (a str as it is, a bytes name or a descriptor as
// Python's repr of the object, read back here), and those of subprocess's
// exceptions. An attribute pyproc's exception
// does not have is null, as Python's getattr(e, name, None) gives for a
// missing one; where CPython has a value there, the difference shows.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "pyproc/exceptions.hpp"

namespace pyproc::driver {

nlohmann::json raised_observation(const nlohmann::json& step, const BaseException& e);

// Throws the exception type a case names (the `raise` op of §4.4, a hook's
// "raise" of §4.9) with `message`: RuntimeError, ValueError, TypeError,
// Exception or KeyboardInterrupt. std::invalid_argument for another name.
[[noreturn]] void raise_named(const std::string& type, const std::string& message);

}  // namespace pyproc::driver

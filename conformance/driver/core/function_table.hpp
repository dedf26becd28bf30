// What the adapters of functions.hpp are made of: each family's
// functions_*.cpp adds its functions to the registry's table (registry.hpp).
// An adapter converts the protocol's values to pyproc's C++ parameters
// (parameters.hpp), calls pyproc, and converts the result back, tagged as
// spec/protocol.md §4.11 says.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>

#include "core/functions.hpp"

namespace pyproc::driver {

using Table = std::map<std::string, Function>;
using Adapter = std::function<PyValue(const Bound& args, const PyValue& self)>;

// §4.11: a pid is tagged where it is one (0 and below are not: WNOHANG's 0).
PyValue pid_value(pid_t pid);

// The shape of a result only the run can tell, of these kinds; of a result
// known before the run.
Adapter opaque(unsigned kinds);
Adapter shape_of(PyValue value);
// The shape of a function that returns None.
Adapter nothing();

Function function(Signature signature, Adapter run, Adapter shape);
// exec*, _exit, abort: they return only by raising. Coverage counters are
// written first, since the process image goes away without exit handlers.
Function ending(Signature signature, std::function<void(const Bound&)> run);

}  // namespace pyproc::driver

// The driver's families, each registering what it adds to the interpreter
// core (core/registry.hpp). The only place that knows all of them.
#pragma once

namespace pyproc::driver {

// Fills registry() once; main() calls it before reading a case.
void register_families();

}  // namespace pyproc::driver

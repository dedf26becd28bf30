// subprocess.Popen in the driver (spec/protocol.md §4.12): the constructor,
// the Popen object with its attributes and methods, and the file objects of
// its pipes, on pyproc::subprocess::Popen and PipeFile.
#pragma once

#include "core/registry.hpp"

namespace pyproc::driver {

// subprocess.Popen, and the methods of the objects it returns.
void register_popen(Registry& registry);

}  // namespace pyproc::driver

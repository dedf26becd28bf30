// The multiprocessing family of the driver: the step ops on pyproc::Process
// (spec/protocol.md §4.1, §4.3), registered into core/registry.hpp.
#pragma once

#include "core/registry.hpp"

namespace pyproc::driver {

void register_multiprocessing(Registry& registry);

}  // namespace pyproc::driver

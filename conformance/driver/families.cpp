#include "families.hpp"

#include "core/registry.hpp"
#include "multiprocessing/process_ops.hpp"
#include "os/functions.hpp"
#include "subprocess/functions.hpp"

namespace pyproc::driver {

void register_families() {
  Registry& r = registry();
  register_multiprocessing(r);
  register_os(r);
  register_subprocess(r);
}

}  // namespace pyproc::driver

// Where this build put conformance/helper's program: CMake defines
// PYPROC_HELPER for this file alone, so that no other test file's command line
// holds a path of one checkout (ccache then shares them between checkouts).
#include <string>

#include "support/os_test_support.hpp"

namespace pyproc::testing {

const std::string& helper_path() {
  static const std::string path = PYPROC_HELPER;
  return path;
}

}  // namespace pyproc::testing

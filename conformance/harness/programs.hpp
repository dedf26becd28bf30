// Where the harness finds the programs it runs besides the driver: the warden
// (conformance/warden) and the suite's helper program (conformance/helper).
#pragma once

#include <string>

namespace pyproc::harness {

// The program `name`: the path in the environment variable `variable` if set;
// else `name` beside the running executable (a build tree) or in
// ../libexec/pyproc/ from it (an installed tree); else `build_path` (where
// this build made it); empty if none exists.
std::string find_program(const std::string& name, const char* variable,
                         const std::string& build_path);

// The warden: $PYPROC_WARDEN, or as find_program() finds "pyproc-warden".
std::string warden_path();

// The helper program (spec/helper-program.md) that drivers are told of
// (PYPROC_HELPER): $PYPROC_HELPER, or as find_program() finds "pyproc-helper".
std::string helper_path();

}  // namespace pyproc::harness

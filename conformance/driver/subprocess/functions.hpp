// What the rest of the driver needs of functions_subprocess.cpp besides its
// adapters: the attributes of the exceptions pyproc::subprocess raises.
#pragma once

#include <optional>
#include <string>

#include "py_value.hpp"
#include "pyproc/exceptions.hpp"

namespace pyproc::driver {

// e.<name> of a CalledProcessError or a TimeoutExpired (returncode, cmd,
// output, stdout, stderr, timeout); std::nullopt for another exception or
// name. `text`: the call asked for text (text=True), so captured output is a
// str, as CPython decodes it before raising CalledProcessError.
std::optional<PyValue> subprocess_error_attribute(const BaseException& e, const std::string& name,
                                                  bool text);

}  // namespace pyproc::driver

// The subprocess family of the driver: pyproc::subprocess's functions
// (spec/protocol.md §4.11) as adapters, its constants, and the attributes of
// the exceptions it raises, registered into core/registry.hpp.
#pragma once

#include <optional>
#include <string>

#include "core/py_value.hpp"
#include "core/registry.hpp"
#include "pyproc/exceptions.hpp"

namespace pyproc::driver {

// e.<name> of a CalledProcessError or a TimeoutExpired (returncode, cmd,
// output, stdout, stderr, timeout); std::nullopt for another exception or
// name. `text`: the call asked for text (text=True), so captured output is a
// str, as CPython decodes it before raising CalledProcessError.
std::optional<PyValue> subprocess_error_attribute(const BaseException& e, const std::string& name,
                                                  bool text);

// The functions, subprocess.PIPE/STDOUT/DEVNULL and the exception attributes.
void register_subprocess(Registry& registry);

}  // namespace pyproc::driver

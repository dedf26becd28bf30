// What a call raised, as "<TypeName>: <message>", for one-line assertions on
// CPython's exact exception types and messages.
#pragma once

#include <string>

#include "pyproc/exceptions.hpp"

namespace pyproc::testing {

// Runs `f` and returns "<TypeName>: <message>" of what it raised, "" if nothing.
template <typename F>
std::string raised(F&& f) {
  try {
    f();
  } catch (const BaseException& e) {
    return std::string(e.type_name()) + ": " + e.what();
  }
  return "";
}

}  // namespace pyproc::testing

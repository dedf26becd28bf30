// What user code can catch an exception as (spec/protocol.md §4.6): the name
// of its class and the catchable classes it derives from, nearest first.
//
// Both are read from pyproc's C++ class hierarchy (dynamic_cast against a
// catalogue of Python's classes), never from a table of answers: a pyproc
// class derived from the wrong base shows as the wrong `bases`.
#pragma once

#include <string>
#include <vector>

#include "pyproc/exceptions.hpp"

namespace pyproc::driver {

struct ExceptionIdentity {
  // "ValueError", "subprocess.CalledProcessError", or "pyproc.<type_name>"
  // for a class the catalogue does not know (no standard name reaches it).
  std::string class_name;
  std::vector<std::string> bases;
};

ExceptionIdentity identify(const BaseException& e);

// next() at the end of a file or iterator.
class StopIteration : public Exception {
 public:
  StopIteration() : Exception("") {}
  [[nodiscard]] const char* type_name() const noexcept override;
};

}  // namespace pyproc::driver

// What each family of the driver (multiprocessing, os, subprocess) adds to
// the interpreter core: its functions, constants and absent names (§4.11),
// the methods of the objects it returns, the attributes of the exceptions it
// raises, its step ops (§4.1), and what the core must do when a list cannot
// go on. The families register into it once, before the first case is read
// (driver/families.cpp); the core reads it and includes no family.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/function_table.hpp"
#include "pyproc/exceptions.hpp"

namespace pyproc::driver {

class Script;
struct Frame;

// One step op: runs `step` in the list of `frame`, returns its value (or
// raises what the step raises).
using StepOp =
    std::function<nlohmann::json(Script& script, const nlohmann::json& step, Frame& frame)>;
// The method `name` of an object of this family, or nullptr.
using MethodFinder = std::function<const Function*(const PyValue& self, const std::string& name)>;
// e.<name> of an exception of this family, std::nullopt when not one of its
// (`text`: the call asked for text, §4.9 exception_attrs).
using ExceptionAttribute = std::function<std::optional<PyValue>(
    const BaseException& e, const std::string& name, bool text)>;

struct Registry {
  Table functions;                                       // "os.waitpid" -> adapter
  std::map<std::string, std::int64_t> constants;         // "os.WNOHANG" -> value
  std::set<std::string> absent;                          // CPython on Linux lacks them too
  std::vector<MethodFinder> methods;                     // tried in turn
  std::vector<ExceptionAttribute> exception_attributes;  // tried in turn
  std::map<std::string, StepOp> ops;                     // "new", "start", …
  std::function<ForkResult(bool pty)> fork;              // the `fork` op's call
  // Run when a list cannot go on (a step the driver cannot run): each ends
  // what its family started in this process (children that would wait for
  // steps that never run).
  std::vector<std::function<void()>> abandon;
};

// The one registry of this process (a forked child inherits it filled).
Registry& registry();

}  // namespace pyproc::driver

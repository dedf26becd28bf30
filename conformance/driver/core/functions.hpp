// The functions and constants a case names by dotted name (spec/protocol.md
// §4.11: `call`, `method`, `const`, `hasattr`), each a small adapter from the
// protocol's values to pyproc::os's and pyproc::subprocess's typed C++ API
// and back.
//
// A name is one of:
// - a function or a method: its C++ signature (parameters.hpp), the adapter
//   that calls pyproc and tags the result (§4.11: pids, fds, uids, gids), and
//   the shape of that result for the static check;
// - a constant, with its value (pyproc::os's, or the platform's for the few
//   names cases only use to set things up: os.O_*, signal.SIG*);
// - absent: CPython on Linux has no such attribute either (os.plock,
//   os.P_DETACH, …): looking it up raises AttributeError when the step runs;
// Any other name is unknown to this driver: the case is unsupported (a
// function pyproc gains is one more adapter in its family's functions_*.cpp,
// registered into core/registry.hpp).
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

#include "core/parameters.hpp"
#include "core/py_value.hpp"

namespace pyproc::driver {

struct Function {
  Signature signature;
  // Calls pyproc. `self` is the object of a method (None for a function).
  std::function<PyValue(const Bound& args, const PyValue& self)> run;
  // What run() returns, seen before the case runs. For a method, given self.
  std::function<PyValue(const Bound& args, const PyValue& self)> shape;
  // Replaces or ends the process (exec*, _exit, abort): never in the main list.
  bool ends_process = false;
};

struct Lookup {
  const Function* function = nullptr;
  std::optional<std::int64_t> constant;
  bool absent = false;
  [[nodiscard]] bool present() const { return function || constant; }
};

// "os.waitpid", "signal.SIGTERM", "os.plock", …
Lookup lookup(const std::string& dotted);
// A method of an object a function returned ("read" of os.popen's file).
const Function* find_method(const PyValue& self, const std::string& name);

// The `fork` op's call (§4.9): os.fork(), or os.forkpty() with "pty". In the
// parent: the child's pid and, with pty, the terminal's master end (-1
// without); in the child: pid 0.
struct ForkResult {
  pid_t pid;
  int master_fd;
};
// The os family provides it (registry.hpp).
ForkResult fork_process(bool pty);

// AttributeError("module 'os' has no attribute 'plock'"), as the protocol
// says a lookup of an absent name raises (§4.9).
[[noreturn]] void raise_absent(const std::string& dotted);

// Why the case cannot name `dotted` (unknown to this driver), or std::nullopt.
std::optional<std::string> unsupported_name(const std::string& dotted);

}  // namespace pyproc::driver

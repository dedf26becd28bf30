// The adapters of os_functions.hpp, grouped by what they call: each
// functions_*.cpp adds its functions to the table os_functions.cpp builds.
// An adapter converts the protocol's values to pyproc's C++ parameters
// (parameters.hpp), calls pyproc, and converts the result back, tagged as
// spec/protocol.md §4.11 says.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>

#include "os_functions.hpp"
#include "pyproc/os_exec.hpp"

namespace pyproc::driver {

using Table = std::map<std::string, Function>;
using Adapter = std::function<PyValue(const Bound& args, const PyValue& self)>;

// §4.11: a pid is tagged where it is one (0 and below are not: WNOHANG's 0).
PyValue pid_value(pid_t pid);

// The shape of a result only the run can tell, of these kinds; of a result
// known before the run.
Adapter opaque(unsigned kinds);
Adapter shape_of(PyValue value);
// The shape of a function that returns None.
Adapter nothing();

Function function(Signature signature, Adapter run, Adapter shape);
// exec*, _exit, abort: they return only by raising. Coverage counters are
// written first, since the process image goes away without exit handlers.
Function ending(Signature signature, std::function<void(const Bound&)> run);

// The `*args` of an l variant, as pyproc's Args.
os::Args rest_args(const Bound& a);

// exec*, spawn*, system, popen (functions_launch.cpp).
void add_launch_functions(Table& table);
// The methods of os.popen's file object.
const Table& popen_methods();
// wait*, waitstatus_to_exitcode, the W* helpers (functions_wait.cpp).
void add_wait_functions(Table& table);
// _exit, abort, kill, killpg, nice, times, and the scaffolding cases set
// scenes with (functions_process.cpp).
void add_process_functions(Table& table);
// getpid and its kin, process groups, sessions, ids, the working directory
// (functions_identity.cpp).
void add_identity_functions(Table& table);
// register_at_fork (functions_fork.cpp, which also has fork_process()).
void add_fork_functions(Table& table);
// subprocess.* (functions_subprocess.cpp).
void add_subprocess_functions(Table& table);

}  // namespace pyproc::driver

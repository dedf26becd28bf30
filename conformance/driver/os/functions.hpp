// The os family of the driver: pyproc::os's functions (spec/protocol.md
// §4.11) as adapters, grouped by what they call, each functions_*.cpp adding
// its own; register.cpp puts them, os's constants and the methods of
// os.popen's file into the registry (core/registry.hpp).
#pragma once

#include "core/function_table.hpp"
#include "core/registry.hpp"
#include "pyproc/os/exec.hpp"

namespace pyproc::driver {

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
// register_at_fork (functions_fork.cpp).
void add_fork_functions(Table& table);
// os.fork() or os.forkpty(): the `fork` op's call (functions_fork.cpp).
ForkResult fork_with_os(bool pty);

// All of the above, os's constants and the names CPython on Linux lacks.
void register_os(Registry& registry);

}  // namespace pyproc::driver

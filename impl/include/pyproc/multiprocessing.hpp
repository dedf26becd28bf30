// pyproc's multiprocessing — `multiprocessing.Process` (fork start method) in
// C++, with CPython 3.11's results, exception types and messages (Linux).
//
//   multiprocessing/process.hpp     Process, current_process(),
//                                   parent_process(), active_children()
//   multiprocessing/connection.hpp  connection::wait() on sentinels
#pragma once

#include "pyproc/multiprocessing/connection.hpp"
#include "pyproc/multiprocessing/process.hpp"

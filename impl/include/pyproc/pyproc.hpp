// Everything pyproc offers, in one include: the three systems and what they
// share. Each may also be included alone (pyproc/multiprocessing.hpp,
// pyproc/os.hpp, pyproc/subprocess.hpp).
//
//   exceptions.hpp       Python's exception types (BaseException and kin)
//   py_repr.hpp          repr() of str, bytes and float, as CPython writes it
//   multiprocessing.hpp  Process and connection::wait()
//   os.hpp               os process management
//   subprocess.hpp       call, check_call, check_output, run, getoutput,
//                        getstatusoutput
#pragma once

#include "pyproc/exceptions.hpp"
#include "pyproc/multiprocessing.hpp"
#include "pyproc/os.hpp"
#include "pyproc/py_repr.hpp"
#include "pyproc/subprocess.hpp"

// The C++ parameter types of pyproc's functions, and how a call's Python
// arguments (spec/protocol.md §4.9) are bound to them.
//
// pyproc is statically typed: os::waitpid takes a pid_t and an int, os::popen
// a std::string. A case that passes what such a parameter cannot hold (a str
// where pyproc takes an int, None where it takes a string, an int beyond a C
// int) asks for a call C++ cannot write; Python raises a TypeError there, C++
// has no such program. The driver finds that out before any step runs (the
// static check evaluates every argument it can) and reports the case
// unsupported with the reason; it never imitates CPython's TypeError text.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/py_value.hpp"
#include "pyproc/os/exec.hpp"

namespace pyproc::driver {

enum class ParamType {
  Int,           // a C int (int, pid_t): an int or a bool within the range of int
  Id,            // id_t (waitid's id): an int from 0 to 2**32 - 1
  FsString,      // a std::string path or argument: a str or bytes (os.fsencode)
  Str,           // a std::string that is text: a str
  Args,          // os::Args: a list or tuple of str or bytes
  Env,           // os::Env: a dict from str or bytes to str or bytes
  PathOrFd,      // execve()'s program: a str or bytes path, or an int (its fd overload)
  Handler,       // signal.signal()'s handler: SIG_DFL or SIG_IGN (0, 1), or a hook
  Hook,          // a pyproc::os::ForkHook: a hook (None only as the default, "not given")
  Command,       // subprocess::Command: a str or bytes, or a list or tuple of them
  Bool,          // a bool
  Truth,         // a bool Python reads with its truth test (universal_newlines=1): a bool or an int
  IntList,       // std::vector<int> (pass_fds): a list or tuple of ints
  Stream,        // subprocess's stdin/stdout/stderr: an int, or a file object (its fileno())
  NameOrId,      // a user or group: a str (a name) or an int (a number)
  NameOrIdList,  // extra_groups: a list or tuple of names and numbers
  Number,        // a double (a timeout): an int or a float
  Data,          // bytes, or a str (subprocess's input: bytes, or text with text=True)
  Ignored,       // anything: the C++ counterpart takes no such argument (__exit__'s)
};

struct Param {
  std::string name;
  ParamType type;
  std::optional<PyValue> default_value = std::nullopt;
  // None is accepted too: an std::optional in C++ (subprocess's Options).
  bool or_none = false;
};

// How one function takes its arguments, in Python's order.
struct Signature {
  std::vector<Param> params;
  // `*args` after params (the l variants: execl(path, arg0, arg1, ...)).
  std::optional<ParamType> rest = std::nullopt;
  // The last positional argument after `rest` is the environment (execle).
  bool env_last = false;
  // Whether params may be named in `kwargs`. C++ has no keyword arguments; a
  // name binds to its position, but only where Python accepts the name.
  bool keywords = false;
  // Whether params may only be named (register_at_fork(*, before=...)).
  bool keyword_only = false;
};

struct Bound {
  std::vector<PyValue> params;  // one per Signature::params, defaults filled in
  std::vector<bool> given;      // whether the call gave each (None given is not a default)
  std::vector<PyValue> rest;
  PyValue env;  // with env_last
};

// Binds a call's arguments to `signature`. Returns the reason the call cannot
// be written in C++ (an argument count or a name pyproc's function does not
// take, an argument its parameter type cannot hold). With Opaque arguments
// (the static check) only what is known is checked.
std::variant<Bound, std::string> bind_arguments(
    const std::string& function, const Signature& signature, const std::vector<PyValue>& args,
    const std::vector<std::pair<std::string, PyValue>>& kwargs);

// Why `value` cannot be passed as a `type` (std::nullopt if it can).
std::optional<std::string> unfit(ParamType type, const PyValue& value);

// The conversions, once bind_arguments() has accepted the value. A value that only the
// run could tell and that does not fit (None where an int|None variable is
// passed as an int) throws std::invalid_argument: a driver failure, since the
// case then asks for a call C++ cannot write.
int to_int(const PyValue& value);
// A Stream: the int, or the file object's fileno() (Unexpressible for an
// object that is no file).
int to_fd(const PyValue& value);
id_t to_id(const PyValue& value);
std::string to_string(const PyValue& value);
os::Args to_args(const PyValue& value);
os::Env to_env(const PyValue& value);

// "the int 3", "None", "a list": an argument, as a reason names it.
std::string describe(const PyValue& value);

}  // namespace pyproc::driver

// os.exec*(), os.spawn*(), os.system() and os.popen() (with the methods of its
// file object, os._wrap_close), on pyproc::os's (pyproc/os/exec.hpp,
// pyproc/os/popen.hpp).
#include <memory>

#include "os/functions.hpp"
#include "os/objects.hpp"
#include "pyproc/os.hpp"

namespace pyproc::driver {

// The l variants (execl(path, arg0, arg1, ...)) are parameter packs in
// pyproc: execl(path, args...) is execv(path, Args{args...}) (pyproc/os/exec.hpp).
// The driver holds the arguments as a list, so it calls that form.
os::Args rest_args(const Bound& a) {
  os::Args args;
  for (const PyValue& value : a.rest) args.push_back(to_string(value));
  return args;
}

namespace {

using P = ParamType;

// spawn*: the pid of a P_NOWAIT launch, else an exit code (§4.11).
PyValue spawned(int mode, int result) {
  return mode == os::p_nowait ? pid_value(result) : PyValue(Int{result});
}

os::PopenFile& file_of(const PyValue& self) {
  return *static_cast<PopenObject&>(*std::get<ObjectPtr>(self.v)).file;
}

void add_exec(Table& t) {
  const Param path{"path", P::FsString};
  const Param args{"args", P::Args};
  const Param env{"env", P::Env};
  t["os.execv"] = ending({{path, args}}, [](const Bound& a) {
    os::execv(to_string(a.params[0]), to_args(a.params[1]));
  });
  t["os.execve"] = ending({{{"path", P::PathOrFd}, args, env}}, [](const Bound& a) {
    if (a.params[0].get_if<std::string>() || a.params[0].get_if<Bytes>())
      os::execve(to_string(a.params[0]), to_args(a.params[1]), to_env(a.params[2]));
    os::execve(to_int(a.params[0]), to_args(a.params[1]), to_env(a.params[2]));
  });
  t["os.execvp"] = ending({{{"file", P::FsString}, args}}, [](const Bound& a) {
    os::execvp(to_string(a.params[0]), to_args(a.params[1]));
  });
  t["os.execvpe"] = ending({{{"file", P::FsString}, args, env}}, [](const Bound& a) {
    os::execvpe(to_string(a.params[0]), to_args(a.params[1]), to_env(a.params[2]));
  });
  const Signature l{.params = {path}, .rest = P::FsString};
  const Signature le{.params = {path}, .rest = P::FsString, .env_last = true};
  t["os.execl"] =
      ending(l, [](const Bound& a) { os::execv(to_string(a.params[0]), rest_args(a)); });
  t["os.execle"] = ending(
      le, [](const Bound& a) { os::execve(to_string(a.params[0]), rest_args(a), to_env(a.env)); });
  t["os.execlp"] =
      ending(l, [](const Bound& a) { os::execvp(to_string(a.params[0]), rest_args(a)); });
  t["os.execlpe"] = ending(
      le, [](const Bound& a) { os::execvpe(to_string(a.params[0]), rest_args(a), to_env(a.env)); });
}

void add_spawn(Table& t) {
  const Param mode{"mode", P::Int};
  const Param path{"path", P::FsString};
  const Param file{"file", P::FsString};
  const Param args{"args", P::Args};
  const Param env{"env", P::Env};
  const auto result = opaque(kInt);
  t["os.spawnv"] = function(
      {{mode, path, args}},
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(m, os::spawnv(m, to_string(a.params[1]), to_args(a.params[2])));
      },
      result);
  t["os.spawnve"] = function(
      {{mode, path, args, env}},
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(
            m, os::spawnve(m, to_string(a.params[1]), to_args(a.params[2]), to_env(a.params[3])));
      },
      result);
  t["os.spawnvp"] = function(
      {{mode, file, args}},
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(m, os::spawnvp(m, to_string(a.params[1]), to_args(a.params[2])));
      },
      result);
  t["os.spawnvpe"] = function(
      {{mode, file, args, env}},
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(
            m, os::spawnvpe(m, to_string(a.params[1]), to_args(a.params[2]), to_env(a.params[3])));
      },
      result);
  const Signature l{.params = {mode, path}, .rest = P::FsString};
  const Signature le{.params = {mode, path}, .rest = P::FsString, .env_last = true};
  t["os.spawnl"] = function(
      l,
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(m, os::spawnv(m, to_string(a.params[1]), rest_args(a)));
      },
      result);
  t["os.spawnle"] = function(
      le,
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(m, os::spawnve(m, to_string(a.params[1]), rest_args(a), to_env(a.env)));
      },
      result);
  t["os.spawnlp"] = function(
      l,
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(m, os::spawnvp(m, to_string(a.params[1]), rest_args(a)));
      },
      result);
  t["os.spawnlpe"] = function(
      le,
      [](const Bound& a, const PyValue&) {
        const int m = to_int(a.params[0]);
        return spawned(m, os::spawnvpe(m, to_string(a.params[1]), rest_args(a), to_env(a.env)));
      },
      result);
}

}  // namespace

void add_launch_functions(Table& t) {
  add_exec(t);
  add_spawn(t);
  t["os.system"] = function(
      {{{"command", P::FsString}}},
      [](const Bound& a, const PyValue&) {
        return PyValue(Int{os::system(to_string(a.params[0]))});
      },
      opaque(kInt));
  t["os.popen"] = function(
      {.params = {{"cmd", P::Str},
                  {"mode", P::Str, std::string("r")},
                  {"buffering", P::Int, Int{-1}}},
       .keywords = true},
      [](const Bound& a, const PyValue&) {
        auto file = std::make_unique<os::PopenFile>(
            os::popen(to_string(a.params[0]), to_string(a.params[1]), to_int(a.params[2])));
        return PyValue(ObjectPtr(std::make_shared<PopenObject>(std::move(file))));
      },
      shape_of(ObjectPtr(std::make_shared<PopenObject>(nullptr))));
}

// The methods of os.popen's file object (pyproc::os::PopenFile).
const Table& popen_methods() {
  static const Table table = [] {
    Table t;
    t["read"] = function(
        {{{"size", P::Int, Int{-1}}}},
        [](const Bound& a, const PyValue& self) {
          return PyValue(file_of(self).read(to_int(a.params[0])));
        },
        opaque(kStr));
    t["write"] = function(
        {{{"text", P::Str}}},
        [](const Bound& a, const PyValue& self) {
          return PyValue(
              Int{static_cast<std::int64_t>(file_of(self).write(to_string(a.params[0])))});
        },
        opaque(kInt));
    t["close"] = function(
        {},
        [](const Bound&, const PyValue& self) -> PyValue {
          const auto status = file_of(self).close();
          if (!status) return {};
          return Int{*status};
        },
        opaque(kInt | kNone));
    // `with os.popen(...) as f:` is a scope in C++: the object itself, then
    // its close() as the scope ends (the destructor's, minus its silence).
    t["__enter__"] = function(
        {}, [](const Bound&, const PyValue& self) { return self; },
        [](const Bound&, const PyValue& self) { return self; });
    t["__exit__"] = function(
        {.params = {}, .rest = P::Ignored},
        [](const Bound&, const PyValue& self) {
          file_of(self).close();
          return PyValue();
        },
        nothing());
    return t;
  }();
  return table;
}

}  // namespace pyproc::driver

#include "function_table.hpp"

#include "script.hpp"

namespace pyproc::driver {

PyValue pid_value(pid_t pid) { return Int{pid, pid > 0 ? Tag::pid : Tag::none}; }

Adapter opaque(unsigned kinds) {
  return [kinds](const Bound&, const PyValue&) { return PyValue(Opaque{kinds}); };
}

Adapter shape_of(PyValue value) {
  return [value](const Bound&, const PyValue&) { return value; };
}

Adapter nothing() { return shape_of(PyValue()); }

Function function(Signature signature, Adapter run, Adapter shape) {
  return Function{std::move(signature), std::move(run), std::move(shape)};
}

Function ending(Signature signature, std::function<void(const Bound&)> run) {
  return Function{std::move(signature),
                  [run](const Bound& args, const PyValue&) {
                    flush_coverage();
                    run(args);
                    return PyValue();
                  },
                  nothing(), true};
}

// The l variants (execl(path, arg0, arg1, ...)) are parameter packs in
// pyproc: execl(path, args...) is execv(path, Args{args...}) (os_exec.hpp).
// The driver holds the arguments as a list, so it calls that form.
os::Args rest_args(const Bound& a) {
  os::Args args;
  for (const PyValue& value : a.rest) args.push_back(to_string(value));
  return args;
}

}  // namespace pyproc::driver

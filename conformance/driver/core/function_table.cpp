#include "core/function_table.hpp"

#include "core/script.hpp"

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

}  // namespace pyproc::driver

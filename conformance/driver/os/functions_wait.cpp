// os.wait(), os.waitpid(), os.waitid(), os.wait3(), os.wait4(),
// os.waitstatus_to_exitcode() and the W* status helpers, on pyproc::os's
// (pyproc/os/wait.hpp).
#include <memory>

#include "os/functions.hpp"
#include "os/objects.hpp"
#include "pyproc/os.hpp"

namespace pyproc::driver {
namespace {

using P = ParamType;

PyValue wait_result(const os::WaitResult& r) { return Tuple{{pid_value(r.pid), Int{r.status}}}; }

PyValue wait4_result(const os::Wait4Result& r) {
  return Tuple{
      {pid_value(r.pid), Int{r.status}, ObjectPtr(std::make_shared<RusageObject>(r.rusage))}};
}

}  // namespace

void add_wait_functions(Table& t) {
  const Param options{"options", P::Int};
  const PyValue waited = Tuple{{Opaque{kInt}, Opaque{kInt}}};
  const PyValue waited4 =
      Tuple{{Opaque{kInt}, Opaque{kInt}, ObjectPtr(std::make_shared<RusageObject>(os::Rusage{}))}};
  t["os.wait"] = function(
      {}, [](const Bound&, const PyValue&) { return wait_result(os::wait()); }, shape_of(waited));
  t["os.waitpid"] = function(
      {{{"pid", P::Int}, options}},
      [](const Bound& a, const PyValue&) {
        return wait_result(os::waitpid(to_int(a.params[0]), to_int(a.params[1])));
      },
      shape_of(waited));
  t["os.wait3"] = function(
      {{options}},
      [](const Bound& a, const PyValue&) { return wait4_result(os::wait3(to_int(a.params[0]))); },
      shape_of(waited4));
  t["os.wait4"] = function(
      {{{"pid", P::Int}, options}},
      [](const Bound& a, const PyValue&) {
        return wait4_result(os::wait4(to_int(a.params[0]), to_int(a.params[1])));
      },
      shape_of(waited4));
  t["os.waitid"] = function(
      {{{"idtype", P::Int}, {"id", P::Id}, options}},
      [](const Bound& a, const PyValue&) -> PyValue {
        const auto result =
            os::waitid(to_int(a.params[0]), to_id(a.params[1]), to_int(a.params[2]));
        if (!result) return {};
        return ObjectPtr(std::make_shared<WaitidObject>(*result));
      },
      opaque(kNone | kObject));
  const Param status{"status", P::Int};
  t["os.waitstatus_to_exitcode"] = function(
      {{status}},
      [](const Bound& a, const PyValue&) {
        return PyValue(Int{os::waitstatus_to_exitcode(to_int(a.params[0]))});
      },
      opaque(kInt));
  using Predicate = bool (*)(int);
  for (const auto& [name, test] : std::initializer_list<std::pair<const char*, Predicate>>{
           {"os.WCOREDUMP", os::wcoredump},
           {"os.WIFCONTINUED", os::wifcontinued},
           {"os.WIFSTOPPED", os::wifstopped},
           {"os.WIFSIGNALED", os::wifsignaled},
           {"os.WIFEXITED", os::wifexited}})
    t[name] = function(
        {{status}},
        [test = test](const Bound& a, const PyValue&) {
          return PyValue(test(to_int(a.params[0])));
        },
        opaque(kBool));
  using Field = int (*)(int);
  for (const auto& [name, read] :
       std::initializer_list<std::pair<const char*, Field>>{{"os.WEXITSTATUS", os::wexitstatus},
                                                            {"os.WSTOPSIG", os::wstopsig},
                                                            {"os.WTERMSIG", os::wtermsig}})
    t[name] = function(
        {{status}},
        [read = read](const Bound& a, const PyValue&) {
          return PyValue(Int{read(to_int(a.params[0]))});
        },
        opaque(kInt));
}

}  // namespace pyproc::driver

// os._exit(), os.abort(), os.kill(), os.killpg(), os.nice(), os.times() on
// pyproc::os's (pyproc/os/process_management.hpp), and the scaffolding cases
// set scenes with (os.open, os.close, os.setuid, signal.signal).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "core/hooks.hpp"
#include "os/functions.hpp"
#include "os/objects.hpp"
#include "pyproc/exceptions.hpp"
#include "pyproc/os.hpp"

namespace pyproc::driver {
namespace {

using P = ParamType;

// What cases use to set a scene, not what pyproc implements: a file to exec
// through its descriptor (os.open/os.close), a child that drops root
// (os.setuid), a signal handler that logs (signal.signal). The driver makes
// these calls itself, with the errors of pyproc's errno mapping.
void add_scaffolding(Table& t) {
  t["os.open"] = function(
      {.params = {{"path", P::FsString}, {"flags", P::Int}, {"mode", P::Int, Int{0777}}},
       .keywords = true},
      [](const Bound& a, const PyValue&) {
        // Not inheritable, as Python makes every descriptor it opens (PEP 446).
        const int fd = ::open(to_string(a.params[0]).c_str(), to_int(a.params[1]) | O_CLOEXEC,
                              static_cast<mode_t>(to_int(a.params[2])));
        if (fd < 0) raise_os_error(errno, repr(a.params[0]).value_or(""));
        return PyValue(Int{fd, Tag::fd});
      },
      opaque(kInt));
  t["os.close"] = function(
      {{{"fd", P::Int}}},
      [](const Bound& a, const PyValue&) {
        if (::close(to_int(a.params[0])) != 0) raise_os_error(errno);
        return PyValue();
      },
      nothing());
  t["os.setuid"] = function(
      {{{"uid", P::Id}}},
      [](const Bound& a, const PyValue&) {
        if (::setuid(static_cast<uid_t>(to_id(a.params[0]))) != 0) raise_os_error(errno);
        return PyValue();
      },
      nothing());
  t["signal.signal"] = function(
      {{{"signalnum", P::Int}, {"handler", P::Handler}}},
      [](const Bound& a, const PyValue&) {
        return hooks::set_signal_handler(to_int(a.params[0]), a.params[1]);
      },
      opaque(kInt | kObject | kNone));
}

}  // namespace

void add_process_functions(Table& t) {
  add_scaffolding(t);
  t["os._exit"] = ending({{{"n", P::Int}}}, [](const Bound& a) { os::_exit(to_int(a.params[0])); });
  t["os.abort"] = ending({}, [](const Bound&) { os::abort(); });
  const Param sig{"signal", P::Int};
  t["os.kill"] = function(
      {{{"pid", P::Int}, sig}},
      [](const Bound& a, const PyValue&) {
        os::kill(to_int(a.params[0]), to_int(a.params[1]));
        return PyValue();
      },
      nothing());
  t["os.killpg"] = function(
      {{{"pgid", P::Int}, sig}},
      [](const Bound& a, const PyValue&) {
        os::killpg(to_int(a.params[0]), to_int(a.params[1]));
        return PyValue();
      },
      nothing());
  t["os.nice"] = function(
      {{{"increment", P::Int}}},
      [](const Bound& a, const PyValue&) { return PyValue(Int{os::nice(to_int(a.params[0]))}); },
      opaque(kInt));
  t["os.times"] = function(
      {},
      [](const Bound&, const PyValue&) {
        return PyValue(ObjectPtr(std::make_shared<TimesObject>(os::times())));
      },
      shape_of(ObjectPtr(std::make_shared<TimesObject>(os::TimesResult{}))));
}

}  // namespace pyproc::driver

// os._exit(), os.abort(), os.kill(), os.killpg(), os.nice(), os.times() on
// pyproc::os's (pyproc/os/process_management.hpp), and the scaffolding cases
// set scenes with (os.open, os.close, os.setuid, signal.signal).
#include <fcntl.h>
#include <sys/stat.h>
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
  // The fd set-up of cases that hand descriptors to a child (§4.11).
  t["os.dup"] = function(
      {{{"fd", P::Int}}},
      [](const Bound& a, const PyValue&) {
        // Not inheritable, as Python's os.dup().
        const int fd = ::fcntl(to_int(a.params[0]), F_DUPFD_CLOEXEC, 0);
        if (fd < 0) raise_os_error(errno);
        return PyValue(Int{fd, Tag::fd});
      },
      opaque(kInt));
  t["os.dup2"] = function(
      {.params = {{"fd", P::Int}, {"fd2", P::Int}, {"inheritable", P::Bool, true}},
       .keywords = true},
      [](const Bound& a, const PyValue&) {
        const int fd = to_int(a.params[0]);
        const int fd2 = to_int(a.params[1]);
        const bool inheritable = *a.params[2].get_if<bool>();
        // dup3() refuses fd == fd2, which os.dup2() accepts (and then leaves alone).
        const int r = fd == fd2 ? (::fcntl(fd, F_GETFD) < 0 ? -1 : fd)
                                : ::dup3(fd, fd2, inheritable ? 0 : O_CLOEXEC);
        if (r < 0) raise_os_error(errno);
        return PyValue(Int{r, Tag::fd});
      },
      opaque(kInt));
  t["os.pipe"] = function(
      {},
      [](const Bound&, const PyValue&) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) raise_os_error(errno);
        return PyValue(Tuple{{Int{fds[0], Tag::fd}, Int{fds[1], Tag::fd}}});
      },
      shape_of(Tuple{{Opaque{kInt}, Opaque{kInt}}}));
  t["os.set_inheritable"] = function(
      {{{"fd", P::Int}, {"inheritable", P::Truth}}},
      [](const Bound& a, const PyValue&) {
        const int fd = to_int(a.params[0]);
        const PyValue& flag = a.params[1];
        const bool inheritable =
            flag.get_if<bool>() ? *flag.get_if<bool>() : flag.get_if<Int>()->value != 0;
        if (::fcntl(fd, F_SETFD, inheritable ? 0 : FD_CLOEXEC) != 0) raise_os_error(errno);
        return PyValue();
      },
      nothing());
  t["os.get_inheritable"] = function(
      {{{"fd", P::Int}}},
      [](const Bound& a, const PyValue&) {
        const int flags = ::fcntl(to_int(a.params[0]), F_GETFD);
        if (flags < 0) raise_os_error(errno);
        return PyValue((flags & FD_CLOEXEC) == 0);
      },
      opaque(kBool));
  t["os.umask"] = function(
      {{{"mask", P::Int}}},
      [](const Bound& a, const PyValue&) {
        return PyValue(
            Int{static_cast<std::int64_t>(::umask(static_cast<mode_t>(to_int(a.params[0]))))});
      },
      opaque(kInt));
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

// Who and where the process is: os.getpid() and its kin, process groups and
// sessions, user and group ids, the working directory (pyproc/os/identity.hpp).
#include "os/functions.hpp"
#include "pyproc/os/identity.hpp"

namespace pyproc::driver {

void add_identity_functions(Table& t) {
  using P = ParamType;
  using PidOf = pid_t (*)();
  for (const auto& [name, call] : std::initializer_list<std::pair<const char*, PidOf>>{
           {"os.getpid", os::getpid}, {"os.getppid", os::getppid}, {"os.getpgrp", os::getpgrp}})
    t[name] = function(
        {}, [call = call](const Bound&, const PyValue&) { return pid_value(call()); },
        opaque(kInt));
  using PidOfPid = pid_t (*)(pid_t);
  for (const auto& [name, call] : std::initializer_list<std::pair<const char*, PidOfPid>>{
           {"os.getpgid", os::getpgid}, {"os.getsid", os::getsid}})
    t[name] = function(
        {{{"pid", P::Int}}},
        [call = call](const Bound& a, const PyValue&) {
          return pid_value(call(to_int(a.params[0])));
        },
        opaque(kInt));
  t["os.setpgid"] = function(
      {{{"pid", P::Int}, {"pgrp", P::Int}}},
      [](const Bound& a, const PyValue&) {
        os::setpgid(to_int(a.params[0]), to_int(a.params[1]));
        return PyValue();
      },
      nothing());
  t["os.setsid"] = function(
      {},
      [](const Bound&, const PyValue&) {
        os::setsid();
        return PyValue();
      },
      nothing());
  t["os.getcwd"] = function(
      {}, [](const Bound&, const PyValue&) { return PyValue(os::getcwd()); }, opaque(kStr));
  t["os.chdir"] = function(
      {{{"path", P::FsString}}},
      [](const Bound& a, const PyValue&) {
        os::chdir(to_string(a.params[0]));
        return PyValue();
      },
      nothing());
  using IdOf = std::int64_t (*)();
  for (const auto& [name, call, tag] : std::initializer_list<std::tuple<const char*, IdOf, Tag>>{
           {"os.getuid", [] { return std::int64_t{os::getuid()}; }, Tag::uid},
           {"os.geteuid", [] { return std::int64_t{os::geteuid()}; }, Tag::uid},
           {"os.getgid", [] { return std::int64_t{os::getgid()}; }, Tag::gid},
           {"os.getegid", [] { return std::int64_t{os::getegid()}; }, Tag::gid}})
    t[name] = function(
        {},
        [call = call, tag = tag](const Bound&, const PyValue&) {
          return PyValue(Int{call(), tag});
        },
        opaque(kInt));
}

}  // namespace pyproc::driver

#include "os/objects.hpp"

namespace pyproc::driver {

std::vector<std::pair<std::string, PyValue>> TimesObject::fields() const {
  return {{"user", times_.user},
          {"system", times_.system},
          {"children_user", times_.children_user},
          {"children_system", times_.children_system},
          {"elapsed", times_.elapsed}};
}

std::vector<std::pair<std::string, PyValue>> RusageObject::fields() const {
  const os::Rusage& r = rusage_;
  const auto n = [](long value) { return PyValue(Int{value}); };
  return {{"ru_utime", r.ru_utime},        {"ru_stime", r.ru_stime},
          {"ru_maxrss", n(r.ru_maxrss)},   {"ru_ixrss", n(r.ru_ixrss)},
          {"ru_idrss", n(r.ru_idrss)},     {"ru_isrss", n(r.ru_isrss)},
          {"ru_minflt", n(r.ru_minflt)},   {"ru_majflt", n(r.ru_majflt)},
          {"ru_nswap", n(r.ru_nswap)},     {"ru_inblock", n(r.ru_inblock)},
          {"ru_oublock", n(r.ru_oublock)}, {"ru_msgsnd", n(r.ru_msgsnd)},
          {"ru_msgrcv", n(r.ru_msgrcv)},   {"ru_nsignals", n(r.ru_nsignals)},
          {"ru_nvcsw", n(r.ru_nvcsw)},     {"ru_nivcsw", n(r.ru_nivcsw)}};
}

std::vector<std::pair<std::string, PyValue>> WaitidObject::fields() const {
  // Plain ints: field() tags si_pid and si_uid wherever they are read.
  return {{"si_pid", Int{result_.pid}},
          {"si_uid", Int{result_.uid}},
          {"si_signo", Int{result_.signo}},
          {"si_status", Int{result_.status}},
          {"si_code", Int{result_.code}}};
}

}  // namespace pyproc::driver

#include "os_functions.hpp"

#include <fcntl.h>

#include <map>
#include <set>

#include "function_table.hpp"
#include "os_objects.hpp"
#include "pyproc/exceptions.hpp"
#include "pyproc/os.hpp"
#include "pyproc/subprocess.hpp"
#include "signal_names.hpp"

namespace pyproc::driver {
namespace {

const Table& functions() {
  static const Table table = [] {
    Table t;
    add_launch_functions(t);
    add_wait_functions(t);
    add_process_functions(t);
    add_identity_functions(t);
    add_fork_functions(t);
    add_subprocess_functions(t);
    return t;
  }();
  return table;
}

const std::map<std::string, std::int64_t>& constants() {
  static const std::map<std::string, std::int64_t> table = [] {
    std::map<std::string, std::int64_t> t = {
        {"os.EX_OK", os::EX_OK},
        {"os.EX_USAGE", os::EX_USAGE},
        {"os.EX_DATAERR", os::EX_DATAERR},
        {"os.EX_NOINPUT", os::EX_NOINPUT},
        {"os.EX_NOUSER", os::EX_NOUSER},
        {"os.EX_NOHOST", os::EX_NOHOST},
        {"os.EX_UNAVAILABLE", os::EX_UNAVAILABLE},
        {"os.EX_SOFTWARE", os::EX_SOFTWARE},
        {"os.EX_OSERR", os::EX_OSERR},
        {"os.EX_OSFILE", os::EX_OSFILE},
        {"os.EX_CANTCREAT", os::EX_CANTCREAT},
        {"os.EX_IOERR", os::EX_IOERR},
        {"os.EX_TEMPFAIL", os::EX_TEMPFAIL},
        {"os.EX_PROTOCOL", os::EX_PROTOCOL},
        {"os.EX_NOPERM", os::EX_NOPERM},
        {"os.EX_CONFIG", os::EX_CONFIG},
        {"os.P_WAIT", os::P_WAIT},
        {"os.P_NOWAIT", os::P_NOWAIT},
        {"os.P_NOWAITO", os::P_NOWAITO},
        {"os.P_ALL", os::P_ALL},
        {"os.P_PID", os::P_PID},
        {"os.P_PGID", os::P_PGID},
        {"os.P_PIDFD", os::P_PIDFD},
        {"os.WNOHANG", os::WNOHANG},
        {"os.WUNTRACED", os::WUNTRACED},
        {"os.WSTOPPED", os::WSTOPPED},
        {"os.WEXITED", os::WEXITED},
        {"os.WCONTINUED", os::WCONTINUED},
        {"os.WNOWAIT", os::WNOWAIT},
        {"os.CLD_EXITED", os::CLD_EXITED},
        {"os.CLD_KILLED", os::CLD_KILLED},
        {"os.CLD_DUMPED", os::CLD_DUMPED},
        {"os.CLD_TRAPPED", os::CLD_TRAPPED},
        {"os.CLD_STOPPED", os::CLD_STOPPED},
        {"os.CLD_CONTINUED", os::CLD_CONTINUED},
        // For os.open (scaffolding): the platform's flags.
        {"os.O_RDONLY", O_RDONLY},
        {"os.O_WRONLY", O_WRONLY},
        {"os.O_RDWR", O_RDWR},
        {"os.O_CREAT", O_CREAT},
        {"os.O_EXCL", O_EXCL},
        {"os.O_TRUNC", O_TRUNC},
        {"os.O_APPEND", O_APPEND},
        {"os.O_NONBLOCK", O_NONBLOCK},
        {"os.O_CLOEXEC", O_CLOEXEC},
        // signal.signal's handlers, as CPython numbers them (an IntEnum).
        {"signal.SIG_DFL", 0},
        {"signal.SIG_IGN", 1},
        {"subprocess.PIPE", subprocess::PIPE},
        {"subprocess.STDOUT", subprocess::STDOUT},
        {"subprocess.DEVNULL", subprocess::DEVNULL},
    };
    for (const std::string& name : signal_names())
      if (auto number = find_signal(name)) t["signal." + name] = *number;
    return t;
  }();
  return table;
}

// What CPython on Linux lacks too (os.hpp lists pyproc's side of it).
const std::set<std::string>& absent() {
  static const std::set<std::string> names = {"os.EX_NOTFOUND", "os.P_DETACH", "os.P_OVERLAY",
                                              "os.plock", "os.startfile"};
  return names;
}

}  // namespace

Lookup lookup(const std::string& dotted) {
  Lookup found;
  if (auto it = functions().find(dotted); it != functions().end()) {
    found.function = &it->second;
  } else if (auto c = constants().find(dotted); c != constants().end()) {
    found.constant = c->second;
  } else if (absent().count(dotted)) {
    found.absent = true;
  }
  return found;
}

const Function* find_method(const PyValue& self, const std::string& name) {
  const auto* object = self.get_if<ObjectPtr>();
  if (!object || !dynamic_cast<const PopenObject*>(object->get())) return nullptr;
  const auto it = popen_methods().find(name);
  return it == popen_methods().end() ? nullptr : &it->second;
}

void raise_absent(const std::string& dotted) {
  const auto dot = dotted.find('.');
  throw AttributeError("module '" + dotted.substr(0, dot) + "' has no attribute '" +
                       dotted.substr(dot + 1) + "'");
}

std::optional<std::string> unsupported_name(const std::string& dotted) {
  const Lookup found = lookup(dotted);
  if (!found.present() && !found.absent) return "the C++ driver knows no " + dotted;
  return std::nullopt;
}

}  // namespace pyproc::driver

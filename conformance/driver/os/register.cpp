// The os family's entries in the driver's registry: its functions, the
// methods of os.popen's file, its constants, the names CPython on Linux lacks
// too, and os.fork() for the `fork` op.
#include <fcntl.h>

#include "os/functions.hpp"
#include "os/objects.hpp"
#include "pyproc/os.hpp"

namespace pyproc::driver {

void register_os(Registry& r) {
  add_launch_functions(r.functions);
  add_wait_functions(r.functions);
  add_process_functions(r.functions);
  add_identity_functions(r.functions);
  add_fork_functions(r.functions);
  r.methods.emplace_back([](const PyValue& self, const std::string& name) -> const Function* {
    const auto* object = self.get_if<ObjectPtr>();
    if (!object || !dynamic_cast<const PopenObject*>(object->get())) return nullptr;
    const auto it = popen_methods().find(name);
    return it == popen_methods().end() ? nullptr : &it->second;
  });
  r.fork = fork_with_os;
  r.constants.insert({
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
  });
  // What CPython on Linux lacks too (pyproc/os.hpp lists pyproc's side of it).
  r.absent.insert({"os.EX_NOTFOUND", "os.P_DETACH", "os.P_OVERLAY", "os.plock", "os.startfile"});
}

}  // namespace pyproc::driver

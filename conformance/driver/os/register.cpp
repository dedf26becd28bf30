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
      {"os.EX_OK", os::ex_ok},
      {"os.EX_USAGE", os::ex_usage},
      {"os.EX_DATAERR", os::ex_dataerr},
      {"os.EX_NOINPUT", os::ex_noinput},
      {"os.EX_NOUSER", os::ex_nouser},
      {"os.EX_NOHOST", os::ex_nohost},
      {"os.EX_UNAVAILABLE", os::ex_unavailable},
      {"os.EX_SOFTWARE", os::ex_software},
      {"os.EX_OSERR", os::ex_oserr},
      {"os.EX_OSFILE", os::ex_osfile},
      {"os.EX_CANTCREAT", os::ex_cantcreat},
      {"os.EX_IOERR", os::ex_ioerr},
      {"os.EX_TEMPFAIL", os::ex_tempfail},
      {"os.EX_PROTOCOL", os::ex_protocol},
      {"os.EX_NOPERM", os::ex_noperm},
      {"os.EX_CONFIG", os::ex_config},
      {"os.P_WAIT", os::p_wait},
      {"os.P_NOWAIT", os::p_nowait},
      {"os.P_NOWAITO", os::p_nowaito},
      {"os.P_ALL", os::p_all},
      {"os.P_PID", os::p_pid},
      {"os.P_PGID", os::p_pgid},
      {"os.P_PIDFD", os::p_pidfd},
      {"os.WNOHANG", os::wnohang},
      {"os.WUNTRACED", os::wuntraced},
      {"os.WSTOPPED", os::wstopped},
      {"os.WEXITED", os::wexited},
      {"os.WCONTINUED", os::wcontinued},
      {"os.WNOWAIT", os::wnowait},
      {"os.CLD_EXITED", os::cld_exited},
      {"os.CLD_KILLED", os::cld_killed},
      {"os.CLD_DUMPED", os::cld_dumped},
      {"os.CLD_TRAPPED", os::cld_trapped},
      {"os.CLD_STOPPED", os::cld_stopped},
      {"os.CLD_CONTINUED", os::cld_continued},
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

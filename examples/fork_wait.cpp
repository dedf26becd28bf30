// fork + wait: the porter's everyday os program. Three children end three
// ways (an exit code, a signal, an exec'd program's exit code); the parent
// reaps them as they end with waitpid(-1) and says how each ended, with the
// W* helpers. Python on the left, C++ on the right:
//
//   children = {}                              std::map<pid_t, std::string> children;
//   pid = os.fork()                            pid_t pid = os::fork();
//   if pid == 0:                               if (pid == 0) os::_exit(os::ex_software);
//       os._exit(os.EX_SOFTWARE)
//   children[pid] = "exits"                    children[pid] = "exits";
//   pid = os.fork()                            pid = os::fork();
//   if pid == 0:                               if (pid == 0) { for (;;) ::pause(); }
//       while True: signal.pause()
//   children[pid] = "killed"                   children[pid] = "killed";
//   os.kill(pid, signal.SIGTERM)               os::kill(pid, SIGTERM);
//   pid = os.fork()                            pid = os::fork();
//   if pid == 0:                               if (pid == 0)
//       os.execv("/bin/sh",                        os::execv("/bin/sh",
//                ["sh", "-c", "exit 3"])                     {"sh", "-c", "exit 3"});
//   children[pid] = "execs"                    children[pid] = "execs";
//   while children:                            while (!children.empty()) {
//       pid, status = os.waitpid(-1, 0)          const auto [pid, status] = os::waitpid(-1, 0);
//       name = children.pop(pid)                 ...
//       if os.WIFEXITED(status):                 if (os::wifexited(status)) ...
//           how = f"exit {os.WEXITSTATUS(status)}"
//       elif os.WIFSIGNALED(status):             else if (os::wifsignaled(status)) ...
//           how = f"signal {os.WTERMSIG(status)}"
//       ended[name] = (how,                      ended[name] = how + ...
//           os.waitstatus_to_exitcode(status))
//   for name in sorted(ended):                 for (const auto& [name, how] : ended) ...
//       print(name, *ended[name])
//   os.waitpid(-1, os.WNOHANG)                 os::waitpid(-1, os::wnohang)
//   -> ChildProcessError: [Errno 10] No child processes
//
// Output:
//   execs: exit 3, exitcode 3
//   exits: exit 70, exitcode 70
//   killed: signal 15, exitcode -15
//   ChildProcessError: [Errno 10] No child processes
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C
#include <unistd.h>

#include <iostream>
#include <map>
#include <string>

#include "pyproc/exceptions.hpp"
#include "pyproc/os.hpp"

namespace os = pyproc::os;

int main() {
  std::cout << std::flush;  // a child is a copy: nothing buffered may be in it twice
  std::map<pid_t, std::string> children;

  pid_t pid = os::fork();
  if (pid == 0) os::_exit(os::ex_software);
  children[pid] = "exits";

  pid = os::fork();
  if (pid == 0) {
    for (;;) ::pause();
  }
  children[pid] = "killed";
  os::kill(pid, SIGTERM);

  pid = os::fork();
  if (pid == 0) {
    try {
      os::execv("/bin/sh", {"sh", "-c", "exit 3"});
    } catch (...) {
    }
    os::_exit(127);  // the exec failed
  }
  children[pid] = "execs";

  std::map<std::string, std::string> ended;  // sorted by name, as Python's sorted()
  while (!children.empty()) {
    const auto [reaped, status] = os::waitpid(-1, 0);
    const std::string name = children.at(reaped);
    children.erase(reaped);
    std::string how;
    if (os::wifexited(status)) {
      how = "exit " + std::to_string(os::wexitstatus(status));
    } else if (os::wifsignaled(status)) {
      how = "signal " + std::to_string(os::wtermsig(status));
    }
    ended[name] = how + ", exitcode " + std::to_string(os::waitstatus_to_exitcode(status));
  }
  for (const auto& [name, how] : ended) std::cout << name << ": " << how << "\n";

  try {
    os::waitpid(-1, os::wnohang);
  } catch (const pyproc::ChildProcessError& e) {
    std::cout << e.type_name() << ": " << e.what() << "\n";
  }
  return 0;
}

// pyproc's side of bench/sigchld_reaper.py: os::system, subprocess::call and
// os::spawnv(P_WAIT) under a SIGCHLD handler that reaps every child
// (waitpid(-1, WNOHANG) in a loop). Prints how many of N calls of a command
// that exits 3 returned the right status, and what the wrong ones were.
//
// Usage: sigchld_reaper [N]   (the helper program is built in)
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C
#include <sys/wait.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>

#include "pyproc/pyproc.hpp"

namespace {

void reap(int /*signum*/) {
  const int saved = errno;
  int status;
  // (pyproc/os headers take the name WNOHANG for the Python constant.)
  while (::waitpid(-1, &status, pyproc::os::wnohang) > 0) {
  }
  errno = saved;
}

void run(const char* name, const std::function<std::string()>& call, const std::string& right,
         int n) {
  std::map<std::string, int> results;
  for (int i = 0; i < n; ++i) {
    try {
      ++results[call()];
    } catch (const pyproc::BaseException& e) {
      ++results[e.type_name()];
    }
  }
  const int good = results[right];
  results.erase(right);
  std::printf("%-20s %d/%d right", name, good, n);
  if (!results.empty()) {
    std::printf(", wrong:");
    for (const auto& [value, count] : results) std::printf(" %s x%d", value.c_str(), count);
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 200;
  const std::string helper = PYPROC_HELPER;
  struct sigaction action {};
  action.sa_handler = reap;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGCHLD, &action, nullptr);
  std::printf("pyproc, %d calls each, SIGCHLD handler reaping every child\n", n);
  namespace os = pyproc::os;
  namespace sp = pyproc::subprocess;
  run(
      "os::system", [&] { return std::to_string(os::system(helper + " exit 3")); },
      std::to_string(3 << 8), n);
  run(
      "subprocess::call",
      [&] {
        return std::to_string(sp::call({helper, "exit", "3"}));
      },
      "3", n);
  run(
      "os::spawnv(P_WAIT)",
      [&] {
        return std::to_string(os::spawnv(os::p_wait, helper, {helper, "exit", "3"}));
      },
      "3", n);
  return 0;
}

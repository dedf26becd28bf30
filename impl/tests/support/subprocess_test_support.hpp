// What the pyproc::subprocess tests share: the helper program's command
// lines, CPython's text for them, and the fixture that checks that no fd
// and no child is left behind (os_test_support.hpp's OsTest).
#pragma once

#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C
#include <sys/wait.h>

#include <cerrno>
#include <fstream>
#include <string>
#include <vector>

#include "pyproc/subprocess.hpp"
#include "support/os_test_support.hpp"

namespace pyproc::testing {

// [helper, actions...]: the argv of one run of the helper program.
inline std::vector<std::string> helper(const std::vector<std::string>& actions = {}) {
  std::vector<std::string> argv = {kHelper};
  argv.insert(argv.end(), actions.begin(), actions.end());
  return argv;
}

// The directory of the helper program.
inline std::string helper_dir() { return kHelper.substr(0, kHelper.rfind('/')); }

// The helper's path as one word of a /bin/sh command (shlex.quote()).
inline std::string quoted_helper() { return "'" + kHelper + "'"; }

// str() of the list helper(actions) as CPython prints it in messages, e.g.
// "['/path/pyproc-helper', 'exit', '3']" (no action needs escaping).
inline std::string helper_str(const std::vector<std::string>& actions = {}) {
  std::string out = "['" + kHelper + "'";
  for (const std::string& action : actions) out += ", '" + action + "'";
  return out + "]";
}

// The 64-byte line that the helper's fill and efill repeat.
inline std::string fill_pattern(std::size_t size) {
  static const std::string kLine =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_\n";
  std::string out;
  out.reserve(size + kLine.size());
  while (out.size() < size) out += kLine;
  out.resize(size);
  return out;
}

// Blocks until child `pid` has ended, without reaping it (the real waitid,
// not the seam): a poll() or a Popen destructor afterwards finds it ended.
inline void await_end_unreaped(pid_t pid) {
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, os::wexited | os::wnowait) < 0 &&
         errno == EINTR) {
  }
}

// Whether `pid` is a child of this process not yet reaped (ended or not).
inline bool unreaped_child(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, os::wexited | os::wnohang | os::wnowait) ==
         0;
}

// The state letter of /proc/<pid>/stat ('R', 'S', 'Z', ...), or '\0' when
// there is no such process (it has been reaped).
inline char process_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const std::size_t paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) return '\0';
  return text[paren + 2];
}

using SubprocessTest = OsTest;

}  // namespace pyproc::testing

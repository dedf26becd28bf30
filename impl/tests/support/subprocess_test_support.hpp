// What the pyproc::subprocess tests share: the helper program's command
// lines, CPython's text for them, and the fixture that checks that no fd
// and no child is left behind (os_test_support.hpp's OsTest).
#pragma once

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

using SubprocessTest = OsTest;

}  // namespace pyproc::testing

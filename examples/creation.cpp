// "Creation of the process" (the seed's first program), with pyproc.
//
// The Python original runs `date`; here the suite's helper program
// (spec/helper-program.md) prints its own pid instead, so every line shows
// that a new process ran. Python on the left, C++ on the right:
//
//   import subprocess                          #include "pyproc/subprocess.hpp"
//                                              namespace subprocess = pyproc::subprocess;
//   ret = subprocess.getoutput('date')         ret = subprocess::getoutput(word + " pid");
//   ret = subprocess.check_output('date')      ret = subprocess::check_output({helper, "pid"});
//   ret = subprocess.getstatusoutput('date')   auto [status, output] =
//                                                subprocess::getstatusoutput(word + " pid");
//   ret = subprocess.call('date')              int code = subprocess::call({helper, "pid"});
//   print(f'[INFO] ret: {ret}')                std::cout << "[INFO] ret: " << ret << std::endl;
//
// `word` is the helper's path quoted for the shell: getoutput and
// getstatusoutput run a shell command (a string); the other two take the
// argv as a list (a string alone would be the program's name,
// as in Python). check_output returns bytes in Python, printed as b'...':
// here a std::string, printed the same way by bytes_repr() below.
//
// Output (pids vary):
//   [INFO] ret: pid 29678
//   [INFO] ret: b'pid 29679\n'
//   [INFO] ret: (0, 'pid 29680')
//   pid 29681
//   [INFO] ret: 0
#include <iostream>
#include <string>

#include "pyproc/subprocess.hpp"

namespace subprocess = pyproc::subprocess;

namespace {

// Python's repr() of a bytes object, for what these programs print.
std::string bytes_repr(const std::string& bytes) {
  std::string out = "b'";
  for (const char c : bytes) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\'' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out + "'";
}

// shlex.quote() for a path without single quotes.
std::string shell_word(const std::string& path) { return "'" + path + "'"; }

}  // namespace

int main(int argc, char** argv) {
  // The helper's path: the first argument, else where CMake built it (a copy
  // built elsewhere must be given the program to launch).
#ifdef PYPROC_HELPER
  const std::string helper = argc > 1 ? argv[1] : PYPROC_HELPER;
#else
  if (argc < 2) {
    std::cerr << "usage: creation PROGRAM\n";
    return 2;
  }
  const std::string helper = argv[1];
#endif
  const std::string word = shell_word(helper);

  std::string ret = subprocess::getoutput(word + " pid");
  std::cout << "[INFO] ret: " << ret << std::endl;

  ret = subprocess::check_output({helper, "pid"});
  std::cout << "[INFO] ret: " << bytes_repr(ret) << std::endl;

  const auto [status, output] = subprocess::getstatusoutput(word + " pid");
  std::cout << "[INFO] ret: (" << status << ", '" << output << "')" << std::endl;

  // The child writes to this process's stdout directly: what std::cout holds
  // must be out first (std::endl above flushed it; Python's print() to a
  // pipe does not, and the child's line comes out first there).
  const int code = subprocess::call({helper, "pid"});
  std::cout << "[INFO] ret: " << code << std::endl;
  return 0;
}

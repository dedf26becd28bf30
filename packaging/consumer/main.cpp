// A user's program against the installed pyproc: a Process and an os launch.
#include <iostream>
#include <string>

#include "pyproc/multiprocessing/process.hpp"
#include "pyproc/os.hpp"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  pyproc::Process child([] { throw pyproc::SystemExit(3); });
  child.start();
  child.join();
  auto pipe = pyproc::os::popen("'" + std::string(argv[1]) + "' print 'hello from pyproc-helper'");
  std::string said = pipe.read();
  pipe.close();
  if (!said.empty() && said.back() == '\n') said.pop_back();
  std::cout << "child exitcode " << child.exitcode().value_or(-1000) << "; helper said: " << said
            << "\n";
  return 0;
}

// A user's program against an installed pyproc (packaging/*.sh build it with
// CMake and with pkg-config, against static and shared libraries): a
// Process, an os.popen, a Popen with a pipe, and exceptions the library
// throws caught by their types here (which needs the type information the
// shared library exports).
#include <iostream>
#include <string>

#include "pyproc/pyproc.hpp"

namespace sp = pyproc::subprocess;

int main() {
  pyproc::Process child([] { throw pyproc::SystemExit(3); });
  child.start();
  child.join();
  std::cout << "child exitcode " << child.exitcode().value_or(-1000) << "\n";

  auto pipe = pyproc::os::popen("echo hello from sh");
  std::cout << "popen read: " << pipe.read();
  pipe.close();

  sp::Popen p({"/bin/sh", "-c", "read line; echo \"sh got $line\""},
              {.stdin = sp::PIPE, .stdout = sp::PIPE});
  const auto [out, err] = p.communicate("a line\n", 10);
  std::cout << "Popen communicate: " << out.value_or("(none)");

  try {
    sp::check_call({"/bin/sh", "-c", "exit 5"});
  } catch (const sp::CalledProcessError& e) {
    std::cout << "caught CalledProcessError, returncode " << e.returncode() << "\n";
  }
  try {
    sp::Popen missing({"/nonexistent/pyproc-consumer-program"}, {});
  } catch (const pyproc::OSError& e) {  // FileNotFoundError, by its base class
    std::cout << "caught " << e.type_name() << "\n";
  }
  return 0;
}

// "Creation of the process by using multiprocessing" (the seed's second
// program), with pyproc::Process (fork start method). Python on the left,
// C++ on the right:
//
//   def whoami(what):                          void whoami(const std::string& what) {
//       print(f'[INFO] Process {os.getpid()}     std::cout << "[INFO] Process " << ::getpid()
//             says: {what}')                               << " says: " << what << std::endl;
//                                              }
//   whoami("I'm the main program")             whoami("I'm the main program");
//   for n in range(4):                         for (int n = 0; n < 4; ++n) {
//       p = multiprocessing.Process(               pyproc::Process p(
//           target=whoami,                             [n] { whoami("I'm function " +
//           args=(f"I'm function {n}",))                             std::to_string(n)); });
//       p.start()                                  p.start();
//                                              }
//
// args=(...) becomes a lambda that binds the argument. As in Python, the
// loop does not join: each Process object goes (here at the end of its
// iteration) while its child runs on, and pyproc waits for every child that
// is still running when main() returns, as multiprocessing does at exit.
// Process.start() flushes std::cout before it forks, so no line is printed
// twice.
//
// Output (pids vary; the children's lines may come in any order):
//   [INFO] Process 29678 says: I'm the main program
//   [INFO] Process 29681 says: I'm function 0
//   [INFO] Process 29682 says: I'm function 1
//   [INFO] Process 29683 says: I'm function 2
//   [INFO] Process 29684 says: I'm function 3
#include <unistd.h>

#include <iostream>
#include <string>

#include "pyproc/multiprocessing/process.hpp"

namespace {

void whoami(const std::string& what) {
  std::cout << "[INFO] Process " << ::getpid() << " says: " << what << std::endl;
}

}  // namespace

int main() {
  whoami("I'm the main program");
  for (int n = 0; n < 4; ++n) {
    pyproc::Process p([n] { whoami("I'm function " + std::to_string(n)); });
    p.start();
  }
  return 0;
}

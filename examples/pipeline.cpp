// Two everyday subprocess programs, with pyproc::subprocess::Popen: a
// pipeline (the shell's `producer | consumer`) whose output is collected
// with a timeout, and a command started in a session of its own whose whole
// process group is killed when it runs too long. Python on the left, C++ on
// the right:
//
//   p1 = Popen([helper, "fill", "100000"],     sp::Popen p1({helper, "fill", "100000"},
//              stdout=PIPE)                                  {.stdout = sp::PIPE});
//   p2 = Popen([helper, "cat"],                sp::Popen p2({helper, "cat"},
//              stdin=p1.stdout, stdout=PIPE)                 {.stdin = p1.stdout()->fileno(),
//                                                             .stdout = sp::PIPE});
//   p1.stdout.close()  # p1 sees SIGPIPE       p1.stdout()->close();
//                      # if p2 ends first
//   out, err = p2.communicate(timeout=60)      auto [out, err] = p2.communicate(std::nullopt, 60);
//   p1.wait()                                  p1.wait();
//   print(len(out), p1.returncode,             std::cout << out->size() << ...;
//         p2.returncode)
//
//   p = Popen([helper, "wait-signal"],         sp::Popen p({helper, "wait-signal"},
//             start_new_session=True)                      {.start_new_session = true});
//   try:                                       try {
//       p.wait(timeout=0.2)                      p.wait(0.2);
//   except TimeoutExpired as e:                } catch (const sp::TimeoutExpired& e) {
//       print(e)                                 std::cout << e.what();
//       os.killpg(p.pid, signal.SIGKILL)         pyproc::os::killpg(p.pid(), SIGKILL);
//       p.wait()                                 p.wait();
//   print(p.returncode)                        }  // p.returncode(): -9
//
// The helper program stands in for real commands so that the output is the
// same on every machine (HELPER is its path, the program's one argument).
//
// Output:
//   100000 bytes through the pipeline; returncodes 0 0
//   Command '['<helper>', 'wait-signal']' timed out after 0.2 seconds
//   returncode -9
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C

#include <iostream>
#include <optional>
#include <string>

#include "pyproc/os.hpp"
#include "pyproc/subprocess.hpp"

namespace sp = pyproc::subprocess;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: example-pipeline HELPER\n";
    return 2;
  }
  const std::string helper = argv[1];

  sp::Popen p1({helper, "fill", "100000"}, {.stdout = sp::PIPE});
  sp::Popen p2({helper, "cat"}, {.stdin = p1.stdout()->fileno(), .stdout = sp::PIPE});
  p1.stdout()->close();  // p2 holds the read end now; p1 sees SIGPIPE if p2 ends first
  const auto [out, err] = p2.communicate(std::nullopt, 60);
  p1.wait();
  std::cout << out->size() << " bytes through the pipeline; returncodes " << *p1.returncode() << " "
            << *p2.returncode() << "\n";

  sp::Popen p({helper, "wait-signal"}, {.start_new_session = true});
  try {
    p.wait(0.2);
  } catch (const sp::TimeoutExpired& e) {
    std::cout << e.what() << "\n";
    pyproc::os::killpg(p.pid(), SIGKILL);  // the whole group the session began
    p.wait();
  }
  std::cout << "returncode " << *p.returncode() << "\n";
  return 0;
}

// "Killing process by using terminate" (the seed's third program), with
// pyproc::Process. Python on the left, C++ on the right:
//
//   def loopy(name):                           void loopy(const std::string& name, ...) {
//       whoami(name)                               whoami(name);
//       start = 1                                  const int start = 1;
//       stop = 1_000_000                           const int stop = 1'000'000;
//       for num in range(start, stop):             for (int num = start; num < stop; ++num) {
//           print(f'[INFO] Number {num} of           std::cout << "[INFO] Number " << num << " of "
//                 {stop}. Honk!')                              << stop << ". Honk!" << std::endl;
//           time.sleep(1)                              honked.set(); tick.wait();
//                                                  }
//                                              }
//   whoami('main')                             whoami("main");
//   p = multiprocessing.Process(               pyproc::Process p([&] { loopy("loopy", ...); });
//       target=loopy, args=("loopy",))
//   p.start()                                  p.start();
//   time.sleep(5)                              five honks (honked.wait(), tick.set())
//   p.terminate()                              p.terminate();
//                                              p.join();  // and print p.exitcode(): -15
//
// Synchronised, never timed: the Python program sleeps 5 seconds and hopes
// for five honks. Here the parent is the child's clock: the child says each
// honk is out (`honked`) and waits for the next tick (`tick`) where Python
// sleeps one second; the parent lets five honks through and terminates the
// child while it waits for the sixth tick. Same output, always, at once.
// The two events are pipes (what multiprocessing.Event would be for).
//
// Output (pids vary):
//   [INFO] Process 32206 says: main
//   [INFO] Process 32208 says: loopy
//   [INFO] Number 1 of 1000000. Honk!
//   [INFO] Number 2 of 1000000. Honk!
//   [INFO] Number 3 of 1000000. Honk!
//   [INFO] Number 4 of 1000000. Honk!
//   [INFO] Number 5 of 1000000. Honk!
//   [INFO] loopy's exitcode: -15
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <stdexcept>
#include <string>

#include "pyproc/multiprocessing/process.hpp"

namespace {

// A one-way event across fork(): set() in one process, wait() in the other.
class Event {
 public:
  Event() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  }
  ~Event() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  void set() const {
    while (::write(fds_[1], "e", 1) < 0 && errno == EINTR) {
    }
  }
  void wait() const {
    char byte;
    while (::read(fds_[0], &byte, 1) < 0 && errno == EINTR) {
    }
  }

 private:
  int fds_[2] = {-1, -1};
};

void whoami(const std::string& what) {
  std::cout << "[INFO] Process " << ::getpid() << " says: " << what << std::endl;
}

void loopy(const std::string& name, const Event& honked, const Event& tick) {
  whoami(name);
  const int start = 1;
  const int stop = 1'000'000;
  for (int num = start; num < stop; ++num) {
    std::cout << "[INFO] Number " << num << " of " << stop << ". Honk!" << std::endl;
    honked.set();
    tick.wait();  // time.sleep(1): the parent decides when the next second is
  }
}

}  // namespace

int main() {
  const Event honked;
  const Event tick;
  whoami("main");
  pyproc::Process p([&] { loopy("loopy", honked, tick); });
  p.start();
  for (int honk = 1; honk <= 5; ++honk) {
    honked.wait();
    if (honk < 5) tick.set();
  }
  p.terminate();
  p.join();
  std::cout << "[INFO] loopy's exitcode: " << p.exitcode().value_or(0) << std::endl;
  return 0;
}

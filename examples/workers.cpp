// Workers that return results: the porter's everyday multiprocessing
// program. Each worker sums the squares of its slice of a range and sends
// the sum back through a pipe of its own; the parent collects them as they
// come (connection::wait, the C++ form of multiprocessing.connection.wait)
// and prints them in worker order. Python on the left, C++ on the right:
//
//   def work(conn, lo, hi):                    auto work = [](int w, long lo, long hi) {
//       conn.send(sum(i * i for i in             long sum = 0;
//                     range(lo, hi)))            for (long i = lo; i < hi; ++i) sum += i * i;
//       conn.close()                             send(w, std::to_string(sum)); ::close(w);
//                                              };
//   pipes, workers = [], []
//   for k in range(4):                         for (int k = 0; k < 4; ++k) {
//       r, w = multiprocessing.Pipe(False)       int fds[2]; ::pipe2(fds, O_CLOEXEC);
//       p = multiprocessing.Process(             workers.emplace_back(std::make_unique<Process>(
//           target=work,                             [=] { work(fds[1], lo, hi); }));
//           args=(w, k * 250, (k + 1) * 250))
//       p.start()                                workers.back()->start();
//       w.close()                                ::close(fds[1]);
//       pipes.append(r); workers.append(p)     }
//   results = {}
//   while len(results) < 4:                    while (results.size() < 4) {
//       for r in connection.wait(pipes):         for (int r : pyproc::connection::wait(open)) ...
//           results[pipes.index(r)] = r.recv()
//   for p in workers:                          for (auto& p : workers) p->join();
//       p.join()
//   for k in range(4):                         print each result and exit code
//       print(k, results[k], workers[k].exitcode)
//   print("total", sum(results.values()))
//
// (pyproc has no Pipe or Queue: a pipe(2) opened before start() is shared by
// the fork, and end of file says the worker is done. The parent reads before
// it joins: a worker whose result is bigger than a pipe holds would wait for
// the reader forever otherwise, with Python's Pipe as here.)
//
// Output:
//   worker 0: 5177125 (exitcode 0)
//   worker 1: 36364625 (exitcode 0)
//   worker 2: 98802125 (exitcode 0)
//   worker 3: 192489625 (exitcode 0)
//   total 332833500
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "pyproc/multiprocessing.hpp"

namespace {

constexpr int kWorkers = 4;
constexpr long kSlice = 250;

// All of `text` to `fd`, retrying short writes and EINTR.
void send_all(int fd, const std::string& text) {
  std::size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t n = ::write(fd, text.data() + sent, text.size() - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error("write failed");
    sent += static_cast<std::size_t>(n);
  }
}

// What `fd` holds now; false at end of file.
bool receive_some(int fd, std::string& into) {
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) < 0 && errno == EINTR) {
  }
  if (n < 0) throw std::runtime_error("read failed");
  into.append(buffer, static_cast<std::size_t>(n));
  return n > 0;
}

}  // namespace

int main() {
  std::vector<std::unique_ptr<pyproc::Process>> workers;
  std::map<int, int> worker_of_fd;  // read end -> worker number
  for (int k = 0; k < kWorkers; ++k) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    const long lo = k * kSlice;
    const long hi = (k + 1) * kSlice;
    const int w = fds[1];
    workers.push_back(std::make_unique<pyproc::Process>([w, lo, hi] {
      long sum = 0;
      for (long i = lo; i < hi; ++i) sum += i * i;
      send_all(w, std::to_string(sum));
    }));
    workers.back()->start();
    ::close(w);  // the worker's copy is the only writer left
    worker_of_fd[fds[0]] = k;
  }

  std::map<int, std::string> results;
  std::vector<int> open;
  for (const auto& [fd, k] : worker_of_fd) open.push_back(fd);
  while (!open.empty()) {
    for (const int fd : pyproc::connection::wait(open)) {
      if (receive_some(fd, results[worker_of_fd[fd]])) continue;
      ::close(fd);  // end of file: that worker has sent everything
      std::erase(open, fd);
    }
  }

  long total = 0;
  for (int k = 0; k < kWorkers; ++k) {
    workers[k]->join();
    std::cout << "worker " << k << ": " << results[k] << " (exitcode "
              << workers[k]->exitcode().value_or(-1000) << ")\n";
    total += std::stol(results[k]);
  }
  std::cout << "total " << total << "\n";
  return 0;
}

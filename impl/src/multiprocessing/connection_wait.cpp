// multiprocessing.connection.wait() for file descriptors: a poll() against a
// monotonic deadline, never a sleep.
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/poll_timeout.hpp"
#include "core/syscalls.hpp"
#include "pyproc/exceptions.hpp"
#include "pyproc/multiprocessing/connection.hpp"

namespace pyproc::connection {
namespace {

using detail::poll_timeout_ms;

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC: immune to clock changes

// Seconds left until `deadline` (negative once it has passed).
double seconds_left(Clock::time_point deadline) {
  return std::chrono::duration<double>(deadline - Clock::now()).count();
}

}  // namespace

std::vector<int> wait(const std::vector<int>& fds, std::optional<double> timeout) {
  std::vector<pollfd> polled;
  polled.reserve(fds.size());
  for (int fd : fds) {
    // selectors' register(): the checks and messages are CPython's.
    if (fd < 0) throw ValueError("Invalid file descriptor: " + std::to_string(fd));
    for (const pollfd& seen : polled) {
      if (seen.fd == fd) {
        const std::string n = std::to_string(fd);
        std::string message = "'";
        message.append(n).append(" (FD ").append(n).append(") is already registered'");
        throw KeyError(message);
      }
    }
    polled.push_back({fd, POLLIN, 0});
  }

  int ms = poll_timeout_ms(timeout);
  // Past poll_timeout_ms() a timeout is finite and at most INT_MAX ms; a
  // negative one (even -inf) is clamped to 0, which times out just the same.
  const Clock::time_point deadline =
      timeout ? Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(std::max(*timeout, 0.0)))
              : Clock::time_point::max();
  for (;;) {
    const int n = detail::syscalls().poll(polled.data(), polled.size(), ms);
    if (n < 0 && errno != EINTR) raise_os_error(errno);
    if (n > 0) {
      // A selector reports any event but POLLOUT as "readable": POLLHUP (the
      // writer is gone), POLLERR and POLLNVAL (a closed fd) included.
      std::vector<int> ready;
      for (const pollfd& p : polled) {
        if (p.revents != 0) ready.push_back(p.fd);
      }
      return ready;
    }
    // Timed out or interrupted (PEP 475): go on with the time that is left.
    if (!timeout) continue;
    const double left = seconds_left(deadline);
    if (left <= 0) return {};
    ms = poll_timeout_ms(left);
  }
}

}  // namespace pyproc::connection

// multiprocessing.connection.wait() for file descriptors: a poll() against a
// monotonic deadline, never a sleep.
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "pyproc/connection.hpp"
#include "pyproc/exceptions.hpp"
#include "syscalls.hpp"

namespace pyproc::connection {
namespace {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC: immune to clock changes

// What selectors.PollSelector.select(timeout) hands to poll(): -1 for None,
// 0 for timeout <= 0, else ceil(timeout * 1000) ms, failing the way CPython's
// float -> int -> _PyTime_t -> int conversions fail.
int poll_timeout_ms(std::optional<double> timeout) {
  if (!timeout) return -1;
  const double seconds = *timeout;
  if (std::isnan(seconds)) throw ValueError("cannot convert float NaN to integer");
  if (seconds <= 0) return 0;
  const double ms = seconds * 1e3;
  if (std::isinf(ms)) throw OverflowError("cannot convert float infinity to integer");
  const double whole_ms = std::ceil(ms);
  // ms * 10**6 must fit the int64 nanoseconds of _PyTime_t ...
  if (whole_ms > 9223372036854.0) {
    throw OverflowError("timestamp too large to convert to C _PyTime_t");
  }
  // ... and then the C int that poll(2) takes.
  if (whole_ms > INT_MAX) throw OverflowError("timeout is too large");
  return static_cast<int>(whole_ms);
}

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

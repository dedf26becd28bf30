// selectors.PollSelector's timeout conversion and time.monotonic().
#include "core/poll_timeout.hpp"

#include <climits>
#include <cmath>

#include "pyproc/exceptions.hpp"

namespace pyproc::detail {

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

double monotonic() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace pyproc::detail

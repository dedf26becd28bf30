// The timeout a Python selector hands to poll(2), shared by
// connection::wait() and subprocess's communicate loop.
#pragma once

#include <chrono>
#include <optional>

namespace pyproc::detail {

// What selectors.PollSelector.select(timeout) hands to poll(): -1 for None,
// 0 for timeout <= 0, else ceil(timeout * 1000) ms, failing the way CPython's
// float -> int -> _PyTime_t -> int conversions fail: ValueError("cannot
// convert float NaN to integer"), OverflowError("cannot convert float
// infinity to integer"), OverflowError("timestamp too large to convert to C
// _PyTime_t"), OverflowError("timeout is too large").
int poll_timeout_ms(std::optional<double> timeout);

// CPython's time.monotonic(): seconds of CLOCK_MONOTONIC, immune to changes
// of the wall clock. Deadlines are kept as these doubles (`endtime`), as
// CPython keeps them, so that inf and nan timeouts behave as they do there.
double monotonic();

}  // namespace pyproc::detail

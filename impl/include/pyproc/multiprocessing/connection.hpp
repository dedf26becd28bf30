// pyproc::connection — the part of multiprocessing.connection that process
// code needs: wait() over sentinels.
#pragma once

#include <optional>
#include <vector>

#include "pyproc/exceptions.hpp"  // IWYU pragma: export

namespace pyproc::connection {

// multiprocessing.connection.wait(fds, timeout) for file descriptors: blocks
// until at least one of `fds` is ready for reading (or hung up / invalid, which
// CPython's selector also reports as "ready"), or until `timeout` seconds have
// passed (std::nullopt: no limit; <= 0: just poll). Returns the ready fds in
// the order of `fds`; empty on timeout. Interrupted waits (EINTR) resume with
// the time that is left, measured on the monotonic clock.
//
// Errors as CPython: a negative fd raises ValueError("Invalid file descriptor:
// -1"); a NaN timeout ValueError, an infinite or too long one OverflowError,
// with CPython's messages; other poll() failures raise_os_error(errno).
std::vector<int> wait(const std::vector<int>& fds, std::optional<double> timeout = std::nullopt);

}  // namespace pyproc::connection

// Popen.communicate(input, timeout) (Lib/subprocess.py, POSIX): input,
// stdout and stderr served together, then the wait.
#pragma once

#include <optional>
#include <string>

#include "pyproc/subprocess.hpp"
#include "subprocess/child.hpp"
#include "subprocess/text.hpp"

namespace pyproc::subprocess::detail {

// What communicate() returns: std::nullopt for a stream that is not a pipe.
struct Output {
  std::optional<std::string> stdout;
  std::optional<std::string> stderr;
};

// Writes `input` to the child's stdin pipe (then closes it; at once when
// there is no input), reads its stdout and stderr pipes to end of file, all
// in one poll() loop, then waits for the child. In text mode (`codec`) the
// input is encoded first and the output decoded. With a timeout (seconds from now, against the
// monotonic clock): TimeoutExpired(args, timeout, the output read so far) when it expires during
// the exchange, or TimeoutExpired(args, what was left) when it expires while waiting, as CPython's
// two checks raise them. The child is left to the caller (run() kills it). A reader that has gone
// (EPIPE) ends the input silently; SIGPIPE is blocked in this thread meanwhile.
Output communicate(Child& child, const std::optional<std::string>& input,
                   const std::optional<Timeout>& timeout, const Codec* codec);

}  // namespace pyproc::subprocess::detail

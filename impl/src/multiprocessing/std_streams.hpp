// The standard-stream chores of multiprocessing.util that fork needs.
#pragma once

namespace pyproc::detail {

// util._flush_std_streams(): called before fork, so that output buffered in
// the parent is not written twice (once by each process), and by a child
// before _exit(), which would otherwise drop what it buffered. Flushes every
// C stdio output stream and the standard iostreams.
void flush_std_streams() noexcept;

// util._close_stdin(): the child's stdin becomes /dev/null, so a child cannot
// steal input meant for its parent. As in CPython, where sys.stdin is
// pointed at a new /dev/null fd and fd 0 is left as it was, the language's
// stdin reads /dev/null (stdio's stdin and std::cin, on a new close-on-exec
// fd) and fd 0 is untouched: a program the child runs inherits it.
void close_stdin() noexcept;

}  // namespace pyproc::detail

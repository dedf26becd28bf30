// The standard-stream chores of multiprocessing.util that fork needs.
#pragma once

namespace pyproc::detail {

// util._flush_std_streams(): called before fork, so that output buffered in
// the parent is not written twice (once by each process), and by a child
// before _exit(), which would otherwise drop what it buffered. Flushes every
// C stdio output stream and the standard iostreams.
void flush_std_streams() noexcept;

// util._close_stdin(): the child's stdin becomes /dev/null, so a child cannot
// steal input meant for its parent. CPython only points sys.stdin at a new
// /dev/null fd and leaves fd 0 as it was; C++ has no stdin object apart from
// fd 0, so fd 0 itself is reopened on /dev/null, inheritable (not
// close-on-exec): a program the child execs starts with fd 0 open, as it
// would under CPython.
void close_stdin() noexcept;

}  // namespace pyproc::detail

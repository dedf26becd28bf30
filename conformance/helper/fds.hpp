// The helper's `fds` action: which file descriptors above 2 are open, and
// what each one is.
#pragma once

namespace helper {

// Prints "fds N" and then "fd K KIND" for each open fd K > 2 in increasing
// order (spec/helper-program.md lists the kinds). The fd the listing itself
// opens is not counted.
void print_open_fds();

// The `fd K` action: "fd K KIND" (a kind of print_open_fds) or "fd K closed".
void print_fd(int fd);

}  // namespace helper

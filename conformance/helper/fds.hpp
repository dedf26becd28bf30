// The helper's `fds` action: which file descriptors above 2 are open, and
// what each one is.
#pragma once

namespace helper {

// Prints "fds N" and then "fd K KIND" for each open fd K > 2 in increasing
// order (spec/helper-program.md lists the kinds). The fd the listing itself
// opens is not counted.
void print_open_fds();

}  // namespace helper

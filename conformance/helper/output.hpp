// The helper's output: unbuffered writes, the quoting of arbitrary bytes in
// one line, and signal names.
#pragma once

#include <string>

namespace helper {

// Writes all of `text` to `fd` (EINTR retried; a failure is ignored: a reader
// that has gone is the caller's business).
void write_all(int fd, const std::string& text);
void write_line(int fd, const std::string& text);

// A byte string as one line (spec/helper-program.md, "Quoted text"): bytes
// 0x20-0x7e stand for themselves except '\' ("\\"); "\n", "\r", "\t"; any
// other byte is "\xHH" (lowercase hex).
std::string quote(const std::string& bytes);
// The escapes of TEXT operands: \n \r \t \\ \xHH; any other byte is itself.
std::string unescape(const std::string& text);

// "SIGTERM" for 15, "SIGRTMIN+2" for SIGRTMIN + 2, "SIG32" for a number glibc
// keeps for itself.
std::string signal_name(int sig);
// The number of "SIGTERM" or "TERM"; 0 when there is no such signal.
int signal_number(const std::string& name);

}  // namespace helper

// Text mode of subprocess: Popen._translate_newlines(), which decodes the
// bytes a child wrote with the locale's encoding (UTF-8 here) and then turns
// "\r\n" and "\r" into "\n".
#pragma once

#include <string>

namespace pyproc::subprocess::detail {

// Checks that `data` is UTF-8 exactly as CPython's strict decoder does
// (bytes.decode("utf-8")), raising UnicodeDecodeError with its message at the
// first error: "'utf-8' codec can't decode byte 0xff in position 0: invalid
// start byte", "... bytes in position 2-3: unexpected end of data", "...:
// invalid continuation byte". Then translates newlines in place.
void decode_text(std::string& data);

}  // namespace pyproc::subprocess::detail

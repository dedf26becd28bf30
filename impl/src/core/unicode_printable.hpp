// str.isprintable() for one code point, exactly as CPython 3.11 decides it.
#pragma once

namespace pyproc::detail {

bool is_printable(char32_t code_point);

}  // namespace pyproc::detail

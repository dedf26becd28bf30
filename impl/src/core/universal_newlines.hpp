// Universal newlines on output, as io.TextIOWrapper (newline=None) and
// Popen._translate_newlines() apply them: "\r\n" and a lone "\r" become "\n".
#pragma once

#include <cstddef>
#include <string>

namespace pyproc::detail {

// In place, from the first "\r" on (most output has none).
inline void translate_newlines(std::string& text) {
  const std::size_t first_cr = text.find('\r');
  if (first_cr == std::string::npos) return;
  std::size_t out = first_cr;
  for (std::size_t i = first_cr; i < text.size(); ++i) {
    if (text[i] == '\r') {
      text[out++] = '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      text[out++] = text[i];
    }
  }
  text.resize(out);
}

}  // namespace pyproc::detail

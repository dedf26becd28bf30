#include "json_file.hpp"

#include <fstream>
#include <sstream>

namespace pyproc::harness {
namespace {

// nlohmann reports a byte offset; people want a line and a column.
std::string position_of(const std::string& text, size_t byte) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

}  // namespace

JsonFile parse_json_text(const std::string& text, const std::string& origin) {
  JsonFile result;
  try {
    result.doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() repeats the position as a byte offset; keep only the reason.
    std::string why = e.what();
    if (auto colon = why.find("syntax error"); colon != std::string::npos) why = why.substr(colon);
    result.error = origin + ":" + position_of(text, e.byte) + ": " + why;
  }
  return result;
}

JsonFile read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {std::nullopt, path.string() + ": cannot be read"};
  std::ostringstream text;
  text << in.rdbuf();
  return parse_json_text(text.str(), path.string());
}

}  // namespace pyproc::harness

#include "json_file.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "json_exact.hpp"

namespace pyproc::harness {
namespace {

using nlohmann::json;

// nlohmann reports a byte offset; people want a line and a column.
std::string position_of(std::string_view text, std::size_t byte) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

// nlohmann turns an integer beyond 64 bits into a double, and refuses one
// beyond a double's range. So every number token is taken out of the text
// first (its place blanked to "0" and spaces, which keeps every position) and
// its exact text put back by the SAX handler below, which meets the numbers
// in the same order. Malformed text is nlohmann's to report: this scan only
// has to agree with it on valid JSON.
std::string take_numbers(std::string_view text, std::vector<std::string>& numbers) {
  std::string blanked(text);
  for (std::size_t i = 0; i < blanked.size();) {
    const char c = blanked[i];
    if (c == '"') {
      for (++i; i < blanked.size() && blanked[i] != '"'; ++i)
        if (blanked[i] == '\\') ++i;
      ++i;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) {
      ++i;
      continue;
    }
    std::size_t end = i + 1;
    while (end < blanked.size() &&
           (std::isdigit(static_cast<unsigned char>(blanked[end])) || blanked[end] == '.' ||
            blanked[end] == 'e' || blanked[end] == 'E' || blanked[end] == '+' ||
            blanked[end] == '-'))
      ++end;
    numbers.emplace_back(blanked, i, end - i);
    blanked[i] = '0';
    for (std::size_t j = i + 1; j < end; ++j) blanked[j] = ' ';
    i = end;
  }
  return blanked;
}

bool is_integer_text(const std::string& text) {
  const std::size_t first = text[0] == '-' ? 1 : 0;
  return text.size() > first && text.find_first_not_of("0123456789", first) == std::string::npos;
}

// Builds the document, refusing what the protocol does not allow.
class Builder {
 public:
  Builder(json& root, const std::vector<std::string>& numbers) : root_(root), numbers_(numbers) {}

  bool null() { return put(nullptr); }
  bool boolean(bool value) { return put(value); }
  bool number_integer(json::number_integer_t /*blanked*/) { return number(); }
  bool number_unsigned(json::number_unsigned_t /*blanked*/) { return number(); }
  bool number_float(json::number_float_t /*blanked*/, const std::string& /*text*/) {
    return number();
  }
  bool string(std::string& value) { return put(std::move(value)); }
  bool binary(json::binary_t& /*value*/) { return refuse("binary values are not JSON"); }
  bool start_object(std::size_t /*size*/) { return open(json::object()); }
  bool key(std::string& key) {
    if (stack_.back()->contains(key)) return refuse("duplicate key " + json(key).dump());
    key_ = std::move(key);
    return true;
  }
  bool end_object() { return close(); }
  bool start_array(std::size_t /*size*/) { return open(json::array()); }
  bool end_array() { return close(); }
  template <class Exception>
  bool parse_error(std::size_t byte, const std::string& /*token*/, const Exception& error) {
    std::string why = error.what();
    if (auto at = why.find("syntax error"); at != std::string::npos) why = why.substr(at);
    return refuse(why, byte);
  }

  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] std::size_t error_byte() const { return error_byte_; }

 private:
  json* put(json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    json& slot = parent[key_];
    slot = std::move(value);
    return &slot;
  }
  bool open(json container) {
    if (stack_.size() >= kMaxJsonDepth)
      return refuse("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    stack_.push_back(put(std::move(container)));
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }
  bool number() {
    if (next_number_ >= numbers_.size()) return refuse("malformed number");
    const std::string& text = numbers_[next_number_++];
    if (is_integer_text(text)) {
      std::int64_t small = 0;
      std::uint64_t large = 0;
      const char* end = text.data() + text.size();
      if (auto [at, ec] = std::from_chars(text.data(), end, small); ec == std::errc() && at == end)
        return put(small);
      if (auto [at, ec] = std::from_chars(text.data(), end, large); ec == std::errc() && at == end)
        return put(large);
      return put(big_integer(text));
    }
    // A float, as Python reads it; one beyond a double's range is refused
    // (Python would read infinity, which no JSON text can carry back).
    char* end = nullptr;
    errno = 0;
    const double value = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) return refuse("malformed number " + text);
    if (std::isinf(value)) return refuse("number out of range: " + text);
    return put(value);
  }
  bool refuse(std::string why, std::size_t byte = 0) {
    if (error_.empty()) {
      error_ = std::move(why);
      error_byte_ = byte;
    }
    return false;
  }

  json& root_;
  const std::vector<std::string>& numbers_;
  std::size_t next_number_ = 0;
  std::vector<json*> stack_;
  std::string key_;
  std::string error_;
  std::size_t error_byte_ = 0;
};

}  // namespace

JsonFile parse_json_prefix(std::string_view text, const std::string& origin) {
  std::vector<std::string> numbers;
  const std::string blanked = take_numbers(text, numbers);
  json doc;
  Builder builder(doc, numbers);
  const bool ok = json::sax_parse(blanked, &builder, json::input_format_t::json, true);
  if (ok && builder.error().empty()) return {std::move(doc), {}};
  const std::string where =
      builder.error_byte() ? ":" + position_of(text, builder.error_byte()) : std::string();
  const std::string why =
      origin + where + ": " + (builder.error().empty() ? "not valid JSON" : builder.error());
  if (doc.is_null()) return {std::nullopt, why};
  return {std::move(doc), why};
}

JsonFile parse_json_text(std::string_view text, const std::string& origin) {
  JsonFile parsed = parse_json_prefix(text, origin);
  if (!parsed.error.empty()) parsed.doc.reset();
  return parsed;
}

JsonFile read_json_file(const std::filesystem::path& path, std::size_t max_bytes) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  std::ifstream in(path, std::ios::binary);
  if (error || !in) return {std::nullopt, path.string() + ": cannot be read"};
  if (size > max_bytes)
    return {std::nullopt,
            path.string() + ": larger than " + std::to_string(max_bytes) + " bytes; refused"};
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return parse_json_text(text, path.string());
}

}  // namespace pyproc::harness

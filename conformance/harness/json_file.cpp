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
// beyond a double's range. So those numbers are taken out of the text first
// (their place blanked to "0" and spaces, which keeps every position) and
// their exact text put back by the SAX handler below, which counts the numbers
// it meets in the same order. Every other number nlohmann reads exactly, so
// only the few special ones are kept, and the text is copied only when there
// is one: the memory of a document stays a small multiple of its text.
// Malformed text is nlohmann's to report: this scan only has to agree with it
// on valid JSON.
struct SpecialNumber {
  std::size_t index;  // among all the numbers of the text, in order
  std::string text;
};

bool is_integer_text(std::string_view text) {
  const std::size_t first = !text.empty() && text[0] == '-' ? 1 : 0;
  return text.size() > first && text.find_first_not_of("0123456789", first) == std::string::npos;
}

// Whether nlohmann would not read `token` exactly: an integer beyond 64
// bits, or a float beyond a double's range.
bool special_number(std::string_view token) {
  const char* end = token.data() + token.size();
  if (is_integer_text(token)) {
    std::int64_t small = 0;
    std::uint64_t large = 0;
    if (auto [at, ec] = std::from_chars(token.data(), end, small); ec == std::errc() && at == end)
      return false;
    auto [at, ec] = std::from_chars(token.data(), end, large);
    return !(ec == std::errc() && at == end);
  }
  const std::string copy(token);
  return std::isinf(std::strtod(copy.c_str(), nullptr));
}

// The text to parse: `text` itself, or a copy with the special numbers blanked.
std::string_view take_numbers(std::string_view text, std::string& blanked,
                              std::vector<SpecialNumber>& specials) {
  std::size_t index = 0;
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
      ++i;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) {
      ++i;
      continue;
    }
    std::size_t end = i + 1;
    while (end < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.' ||
            text[end] == 'e' || text[end] == 'E' || text[end] == '+' || text[end] == '-'))
      ++end;
    const std::string_view token = text.substr(i, end - i);
    if (special_number(token)) {
      if (blanked.empty()) blanked.assign(text);
      specials.push_back({index, std::string(token)});
      blanked[i] = '0';
      for (std::size_t j = i + 1; j < end; ++j) blanked[j] = ' ';
    }
    ++index;
    i = end;
  }
  return blanked.empty() ? text : std::string_view(blanked);
}

// Builds the document, refusing what the protocol does not allow.
class Builder {
 public:
  Builder(json& root, const std::vector<SpecialNumber>& specials)
      : root_(root), specials_(specials) {}

  bool null() { return put(nullptr); }
  bool boolean(bool value) { return put(value); }
  bool number_integer(json::number_integer_t value) { return number(value); }
  bool number_unsigned(json::number_unsigned_t value) { return number(value); }
  bool number_float(json::number_float_t value, const std::string& /*text*/) {
    return number(value);
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
  bool number(json value) {
    const std::size_t index = next_number_++;
    if (next_special_ >= specials_.size() || specials_[next_special_].index != index)
      return put(std::move(value));
    const std::string& text = specials_[next_special_++].text;
    // An integer beyond 64 bits, exact; a float beyond a double's range is
    // refused (Python would read infinity, which no JSON text can carry back).
    if (is_integer_text(text)) return put(big_integer(text));
    return refuse("number out of range: " + text);
  }
  bool refuse(std::string why, std::size_t byte = 0) {
    if (error_.empty()) {
      error_ = std::move(why);
      error_byte_ = byte;
    }
    return false;
  }

  json& root_;
  const std::vector<SpecialNumber>& specials_;
  std::size_t next_number_ = 0, next_special_ = 0;
  std::vector<json*> stack_;
  std::string key_;
  std::string error_;
  std::size_t error_byte_ = 0;
};

}  // namespace

JsonFile parse_json_prefix(std::string_view text, const std::string& origin) {
  std::vector<SpecialNumber> specials;
  std::string blanked;
  const std::string_view parsed = take_numbers(text, blanked, specials);
  json doc;
  Builder builder(doc, specials);
  const bool ok = json::sax_parse(parsed, &builder, json::input_format_t::json, true);
  blanked = std::string();  // before the document is moved out
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

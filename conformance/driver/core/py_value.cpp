#include "core/py_value.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "core/values.hpp"
#include "pyproc/py_repr.hpp"

namespace pyproc::driver {
namespace {

using nlohmann::json;

// §4.9: attributes that hold a pid or a uid wherever a view reads them.
PyValue tag_attribute(const std::string& name, PyValue value) {
  if (auto* n = std::get_if<Int>(&value.v)) {
    if ((name == "pid" || name == "ident" || name == "si_pid") && n->value > 0) n->tag = Tag::pid;
    if (name == "si_uid") n->tag = Tag::uid;
  }
  return value;
}

// A number as Python compares numbers: bool is an int.
struct Number {
  bool is_int;
  std::int64_t i;
  double d;
  const std::string* big = nullptr;  // a BigInt's digits (is_int too)
};

std::optional<Number> number(const PyValue& value) {
  if (const auto* b = value.get_if<bool>()) return Number{true, *b ? 1 : 0, 0};
  if (const auto* n = value.get_if<Int>()) return Number{true, n->value, 0};
  if (const auto* d = value.get_if<double>()) return Number{false, 0, *d};
  if (const auto* n = value.get_if<BigInt>()) return Number{true, 0, 0, &n->digits};
  return std::nullopt;
}

// -1, 0, 1 between the digits of two ints (no leading zeros).
int order_digits(const std::string& a, const std::string& b) {
  const bool na = !a.empty() && a[0] == '-', nb = !b.empty() && b[0] == '-';
  if (na != nb) return na ? -1 : 1;
  const int magnitude =
      a.size() != b.size() ? (a.size() < b.size() ? -1 : 1) : (a < b ? -1 : (a > b ? 1 : 0));
  return na ? -magnitude : magnitude;
}

// -1, 0, 1; NaN compares unordered, as every comparison with it is false.
std::optional<int> order(const Number& a, const Number& b) {
  if (a.big || b.big) {
    if (a.is_int && b.is_int)
      return order_digits(a.big ? *a.big : std::to_string(a.i),
                          b.big ? *b.big : std::to_string(b.i));
    const long double x = a.big ? std::stold(*a.big) : a.d;
    const long double y = b.big ? std::stold(*b.big) : b.d;
    if (std::isnan(x) || std::isnan(y)) return std::nullopt;
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_int && b.is_int) return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  const long double x = a.is_int ? static_cast<long double>(a.i) : a.d;
  const long double y = b.is_int ? static_cast<long double>(b.i) : b.d;
  if (std::isnan(x) || std::isnan(y)) return std::nullopt;
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool equal(const PyValue& a, const PyValue& b);

bool equal_items(const std::vector<PyValue>& a, const std::vector<PyValue>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!equal(a[i], b[i])) return false;
  return true;
}

bool equal(const PyValue& a, const PyValue& b) {
  const auto na = number(a);
  const auto nb = number(b);
  if (na && nb) return order(*na, *nb) == 0;
  if (a.is_none() || b.is_none()) return a.is_none() && b.is_none();
  if (const auto* s = a.get_if<std::string>()) {
    const auto* t = b.get_if<std::string>();
    return t && *s == *t;
  }
  if (const auto* s = a.get_if<Bytes>()) {
    const auto* t = b.get_if<Bytes>();
    return t && s->data == t->data;
  }
  if (const auto* s = a.get_if<List>()) {
    const auto* t = b.get_if<List>();
    return t && equal_items(s->items, t->items);
  }
  if (const auto* s = a.get_if<Tuple>()) {
    const auto* t = b.get_if<Tuple>();
    return t && equal_items(s->items, t->items);
  }
  if (const auto* s = a.get_if<Dict>()) {
    const auto* t = b.get_if<Dict>();
    if (!t || s->items.size() != t->items.size()) return false;
    for (const auto& [key, value] : s->items) {
      bool found = false;
      for (const auto& [other_key, other] : t->items)
        if (key == other_key) found = equal(value, other);
      if (!found) return false;
    }
    return true;
  }
  if (const auto* s = a.get_if<ObjectPtr>()) {
    const auto* t = b.get_if<ObjectPtr>();
    if (!t) return false;
    if (*s == *t) return true;
    // Records compare by value (Python's structseq is a tuple).
    const auto fa = (*s)->fields();
    const auto fb = (*t)->fields();
    if (fa.empty() || (*s)->type_name() != (*t)->type_name()) return false;
    for (size_t i = 0; i < fa.size(); ++i)
      if (!equal(fa[i].second, fb[i].second)) return false;
    return true;
  }
  return false;
}

std::optional<bool> apply(int sign, const std::string& op) {
  if (op == "<") return sign < 0;
  if (op == "<=") return sign <= 0;
  if (op == ">") return sign > 0;
  if (op == ">=") return sign >= 0;
  return std::nullopt;
}

std::optional<bool> ordered(const PyValue& a, const std::string& op, const PyValue& b);

// Python's sequence ordering: the first items that differ decide, else the lengths.
std::optional<bool> ordered_items(const std::vector<PyValue>& a, const std::string& op,
                                  const std::vector<PyValue>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i)
    if (!equal(a[i], b[i])) return ordered(a[i], op, b[i]);
  return apply(a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0), op);
}

std::optional<bool> ordered(const PyValue& a, const std::string& op, const PyValue& b) {
  const auto na = number(a);
  const auto nb = number(b);
  if (na && nb) {
    const auto sign = order(*na, *nb);
    return sign ? apply(*sign, op) : std::optional<bool>(false);
  }
  if (const auto* s = a.get_if<std::string>())
    if (const auto* t = b.get_if<std::string>()) return apply(s->compare(*t), op);
  if (const auto* s = a.get_if<Bytes>())
    if (const auto* t = b.get_if<Bytes>()) return apply(s->data.compare(t->data), op);
  if (const auto* s = a.get_if<List>())
    if (const auto* t = b.get_if<List>()) return ordered_items(s->items, op, t->items);
  if (const auto* s = a.get_if<Tuple>())
    if (const auto* t = b.get_if<Tuple>()) return ordered_items(s->items, op, t->items);
  return std::nullopt;
}

std::optional<std::string> repr_items(const std::vector<PyValue>& items, const char* open,
                                      const char* close, bool tuple) {
  std::string out = open;
  for (size_t i = 0; i < items.size(); ++i) {
    auto item = repr(items[i]);
    if (!item) return std::nullopt;
    out += (i ? ", " : "") + *item;
  }
  if (tuple && items.size() == 1) out += ",";
  return out + close;
}

// UTF-8 of one code point; a lone surrogate U+DC80..U+DCFF is the byte it
// escapes (Python's surrogateescape, how a str holds a non-UTF-8 path).
void append_code_point(std::string& out, std::uint32_t c) {
  if (c >= 0xdc80 && c <= 0xdcff) {
    out += static_cast<char>(c - 0xdc00);
  } else if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xe0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
}

// The text between the quotes of a str or bytes literal, its escapes
// resolved (\\, \', \", \n, \r, \t, \xHH, and in a str \uHHHH, \UHHHHHHHH).
std::string unescape_literal(const std::string& body, bool bytes) {
  const auto bad = [&] { return std::invalid_argument("not a Python literal body: " + body); };
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\') {
      out += body[i];
      continue;
    }
    if (++i == body.size()) throw bad();
    const char c = body[i];
    size_t digits = 0;
    if (c == 'x') digits = 2;
    if (c == 'u' && !bytes) digits = 4;
    if (c == 'U' && !bytes) digits = 8;
    if (digits) {
      if (i + digits >= body.size()) throw bad();
      std::uint32_t code = 0;
      const auto* first = body.data() + i + 1;
      const auto [end, error] = std::from_chars(first, first + digits, code, 16);
      if (error != std::errc() || end != first + digits) throw bad();
      i += digits;
      if (bytes)
        out += static_cast<char>(code);
      else
        append_code_point(out, code);
      continue;
    }
    static const std::string plain = "\\'\"";
    if (plain.find(c) != std::string::npos)
      out += c;
    else if (c == 'n')
      out += '\n';
    else if (c == 'r')
      out += '\r';
    else if (c == 't')
      out += '\t';
    else
      throw bad();
  }
  return out;
}

}  // namespace

unsigned PyValue::kinds() const {
  static constexpr unsigned by_index[] = {kNone,  kBool, kInt,   kFloat, kStr,
                                          kBytes, kList, kTuple, kDict,  kObject};
  if (const auto* opaque = get_if<Opaque>()) return opaque->kinds;
  if (get_if<BigInt>()) return kInt;
  return by_index[v.index()];
}

std::optional<std::string> PathLikeObject::repr() const {
  // CPython's tests' FakePath: f'<FakePath {self.path!r}>'.
  const std::optional<std::string> inner = driver::repr(path);
  if (!inner) return std::nullopt;
  return "<FakePath " + *inner + ">";
}

std::optional<PyValue> field(const PyValue& value, const std::string& name) {
  if (value.is_opaque()) return PyValue(Opaque{});
  const auto* object = value.get_if<ObjectPtr>();
  if (!object) return std::nullopt;
  for (auto& [key, item] : (*object)->fields())
    if (key == name) return tag_attribute(name, item);
  return std::nullopt;
}

json encode(const PyValue& value) {
  return std::visit(
      [](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, Int>) {
          static const char* const keys[] = {nullptr, "pid", "fd", "uid", "gid"};
          if (x.tag == Tag::none) return x.value;
          return json{{keys[static_cast<int>(x.tag)], x.value}};
        } else if constexpr (std::is_same_v<T, Bytes>) {
          return json{{"bytes", to_hex(x.data)}};
        } else if constexpr (std::is_same_v<T, List> || std::is_same_v<T, Tuple>) {
          json items = json::array();
          for (const auto& item : x.items) items.push_back(encode(item));
          return items;
        } else if constexpr (std::is_same_v<T, Dict>) {
          return json{{"object", "dict"}};
        } else if constexpr (std::is_same_v<T, ObjectPtr>) {
          return json{{"object", x->type_name()}};
        } else if constexpr (std::is_same_v<T, Opaque>) {
          throw std::logic_error("a value of the static check reached an observation");
        } else if constexpr (std::is_same_v<T, BigInt>) {
          return big_int_marker() + x.digits;
        } else {
          return x;  // bool, double, std::string
        }
      },
      value.v);
}

const std::string& big_int_marker() {
  static const std::string marker("\0pyproc-int:", 12);
  return marker;
}

const char* big_int_digits(const json& value) {
  if (!value.is_string()) return nullptr;
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() <= big_int_marker().size() ||
      text.compare(0, big_int_marker().size(), big_int_marker()) != 0)
    return nullptr;
  return text.c_str() + big_int_marker().size();
}

std::string beyond_64_bits(const std::string& digits) {
  return "the integer " + digits + " does not fit C++'s 64-bit integers";
}

json read_exact_json(const std::string& text, const json::parser_callback_t& callback) {
  // Every integer token that int64 and uint64 cannot hold becomes a marker
  // string; strings are skipped whole. Malformed text is nlohmann's to report.
  std::string marked;
  marked.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '"') {
      std::size_t end = i + 1;
      for (; end < text.size() && text[end] != '"'; ++end)
        if (text[end] == '\\') ++end;
      marked.append(text, i, end + 1 - i);
      i = end + 1;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) {
      marked += c;
      ++i;
      continue;
    }
    std::size_t end = i + 1;
    while (end < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[end])) || std::strchr(".eE+-", text[end])))
      ++end;
    const std::string token = text.substr(i, end - i);
    const bool integer =
        token.find_first_not_of("0123456789", token[0] == '-' ? 1 : 0) == std::string::npos &&
        token.size() > (token[0] == '-' ? 1U : 0U);
    std::int64_t small = 0;
    std::uint64_t large = 0;
    const char* last = token.data() + token.size();
    const bool fits =
        !integer || std::from_chars(token.data(), last, small).ec == std::errc() ||
        (token[0] != '-' && std::from_chars(token.data(), last, large).ec == std::errc());
    marked += fits ? token : "\"\\u0000pyproc-int:" + token + "\"";
    i = end;
  }
  return json::parse(marked, callback);
}

std::string exact_json_text(const json& document) {
  std::string text = document.dump(-1, ' ', false, json::error_handler_t::replace);
  static const std::string marker = "\"\\u0000pyproc-int:";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto at = text.find(marker, i);
    if (at == std::string::npos) {
      out.append(text, i, std::string::npos);
      break;
    }
    out.append(text, i, at - i);
    const auto close = text.find('"', at + marker.size());
    out.append(text, at + marker.size(), close - at - marker.size());
    i = close + 1;
  }
  return out;
}

std::vector<std::int64_t> pids_in(const PyValue& value) {
  std::vector<std::int64_t> pids;
  if (const auto* n = value.get_if<Int>(); n && n->tag == Tag::pid) pids.push_back(n->value);
  if (const auto* object = value.get_if<ObjectPtr>()) pids = (*object)->pids();
  const std::vector<PyValue>* items = nullptr;
  if (const auto* list = value.get_if<List>()) items = &list->items;
  if (const auto* tuple = value.get_if<Tuple>()) items = &tuple->items;
  if (items)
    for (const auto& item : *items)
      for (auto pid : pids_in(item)) pids.push_back(pid);
  return pids;
}

std::string type_name(const PyValue& value) {
  static const char* const names[] = {"NoneType", "bool", "int",   "float", "str",
                                      "bytes",    "list", "tuple", "dict"};
  if (const auto* object = value.get_if<ObjectPtr>()) return (*object)->type_name();
  if (value.is_opaque()) return "?";
  if (value.get_if<BigInt>()) return "int";
  return names[value.v.index()];
}

std::optional<std::string> repr(const PyValue& value) {
  if (value.is_none()) return "None";
  if (const auto* b = value.get_if<bool>()) return *b ? "True" : "False";
  if (const auto* n = value.get_if<Int>()) return std::to_string(n->value);
  if (const auto* n = value.get_if<BigInt>()) return n->digits;
  if (const auto* d = value.get_if<double>()) return pyproc::detail::py_float_repr(*d);
  if (const auto* s = value.get_if<std::string>()) return pyproc::detail::py_str_repr(*s);
  if (const auto* b = value.get_if<Bytes>()) return pyproc::detail::py_bytes_repr(b->data);
  if (const auto* l = value.get_if<List>()) return repr_items(l->items, "[", "]", false);
  if (const auto* t = value.get_if<Tuple>()) return repr_items(t->items, "(", ")", true);
  if (const auto* d = value.get_if<Dict>()) {
    std::string out = "{";
    for (size_t i = 0; i < d->items.size(); ++i) {
      auto item = repr(d->items[i].second);
      if (!item) return std::nullopt;
      out += (i ? ", " : "") + pyproc::detail::py_str_repr(d->items[i].first) + ": " + *item;
    }
    return out + "}";
  }
  if (const auto* o = value.get_if<ObjectPtr>()) return (*o)->repr();
  return std::nullopt;
}

std::optional<std::string> str(const PyValue& value) {
  if (const auto* s = value.get_if<std::string>()) return *s;
  return repr(value);
}

std::optional<bool> compare(const PyValue& left, const std::string& op, const PyValue& right) {
  if (op == "==") return equal(left, right);
  if (op == "!=") return !equal(left, right);
  return ordered(left, op, right);
}

bool comparable(const PyValue& left, const std::string& op, const PyValue& right) {
  if (op == "==" || op == "!=" || left.is_opaque() || right.is_opaque()) return true;
  constexpr unsigned numbers = kBool | kInt | kFloat;
  const unsigned a = left.kinds();
  const unsigned b = right.kinds();
  if ((a & numbers) && (b & numbers)) return true;
  if ((a & (kList | kTuple)) && a == b) return true;  // items are compared when the step runs
  return compare(left, op, right).has_value();
}

PyValue from_repr(const std::string& literal) {
  std::int64_t number = 0;
  const auto* end = literal.data() + literal.size();
  if (const auto [at, error] = std::from_chars(literal.data(), end, number);
      error == std::errc() && at == end && !literal.empty())
    return Int{number};
  const bool bytes = literal.starts_with("b");
  const std::string quoted = bytes ? literal.substr(1) : literal;
  if (quoted.size() < 2 || (quoted.front() != '\'' && quoted.front() != '"') ||
      quoted.back() != quoted.front())
    throw std::invalid_argument("not a Python int, str or bytes literal: " + literal);
  std::string text = unescape_literal(quoted.substr(1, quoted.size() - 2), bytes);
  if (bytes) return Bytes{std::move(text)};
  return text;
}

}  // namespace pyproc::driver

#include "core/expressions.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <regex>

#include "core/functions.hpp"
#include "core/hooks.hpp"
#include "core/values.hpp"
#include "pyproc/exceptions.hpp"
#include "pyproc/py_repr.hpp"

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, not in <unistd.h>
                        // without _GNU_SOURCE

namespace pyproc::driver {
namespace {

using nlohmann::json;

// A placeholder of a "text" expression: {event_fd:NAME:read|write}.
const std::regex& event_fd_placeholder() {
  static const std::regex pattern(R"(\{event_fd:([^:{}]+):(read|write)\})");
  return pattern;
}

std::int64_t integer_of(const PyValue& value, const char* what) {
  if (const auto* n = value.get_if<Int>()) return n->value;
  if (const auto* n = value.get_if<BigInt>()) throw Unexpressible(beyond_64_bits(n->digits));
  if (const auto* b = value.get_if<bool>()) return *b ? 1 : 0;
  throw Unexpressible(std::string(what) + " takes ints in C++, not " + type_name(value));
}

PyValue scalar(const json& e) {
  if (e.is_null()) return {};
  if (e.is_boolean()) return e.get<bool>();
  // Beyond int64 (§5.3): kept exact as a value; a call given it observes
  // Unexpressible (bind_arguments()).
  if (e.is_number_unsigned() && e.get<std::uint64_t>() > INT64_MAX) return BigInt{e.dump()};
  if (const char* digits = big_int_digits(e)) return BigInt{digits};
  if (e.is_number_integer()) return Int{e.get<std::int64_t>()};
  if (e.is_number_float()) return e.get<double>();
  return e.get<std::string>();
}

// Python's len(): code points of a str.
std::int64_t code_points(const std::string& text) {
  std::int64_t n = 0;
  for (unsigned char c : text) n += (c & 0xc0) != 0x80;
  return n;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

}  // namespace

Paths Paths::from_environment() {
  Paths paths;
  const char* helper = std::getenv("PYPROC_HELPER");
#ifdef PYPROC_HELPER_BUILD_PATH
  // A driver run by hand, without a harness, finds the helper of its build (§5.1).
  if (!helper || !*helper) helper = PYPROC_HELPER_BUILD_PATH;
#endif
  paths.helper = helper ? helper : "";
  paths.helper_dir = paths.helper.substr(0, paths.helper.rfind('/'));
  const char* tmp = std::getenv("PYPROC_CASE_TMP");
  if (tmp && *tmp) {
    paths.tmp = tmp;
  } else {
    char cwd[4096];
    paths.tmp = ::getcwd(cwd, sizeof cwd) ? cwd : ".";
  }
  return paths;
}

PyValue Evaluator::eval(const json& e, const Variables& vars) const {
  if (e.is_array()) {
    List list;
    for (const json& item : e) list.items.push_back(eval(item, vars));
    return list;
  }
  if (e.is_object()) return eval_object(e, vars);
  return scalar(e);
}

PyValue Evaluator::eval_object(const json& e, const Variables& vars) const {
  if (e.contains("bytes")) return Bytes{from_hex(e["bytes"].get<std::string>())};
  if (e.contains("tuple")) {
    Tuple tuple;
    for (const json& item : e["tuple"]) tuple.items.push_back(eval(item, vars));
    return tuple;
  }
  if (e.contains("dict")) {
    Dict dict;
    for (const auto& [key, item] : e["dict"].items())
      dict.items.emplace_back(key, eval(item, vars));
    return dict;
  }
  if (e.contains("path")) {
    const std::string name = e["path"];
    if (name == "helper") return paths_.helper;
    if (name == "helper_dir") return paths_.helper_dir;
    if (name == "tmp") return paths_.tmp;
    throw std::invalid_argument("unknown path " + e["path"].dump());
  }
  if (e.contains("text")) {
    const std::string pattern = e["text"];
    if (static_ && std::regex_search(pattern, event_fd_placeholder())) return Opaque{kStr};
    return text(pattern);
  }
  if (e.contains("const")) {
    const std::string name = e["const"];
    const Lookup found = lookup(name);
    if (found.constant) return Int{*found.constant};
    if (found.absent) {
      if (static_) return Opaque{};  // raises when the step runs
      raise_absent(name);
    }
    throw Missing(unsupported_name(name).value_or(name + " is not a constant"));
  }
  if (e.contains("or")) {
    std::int64_t result = 0;
    bool opaque = false;
    for (const json& item : e["or"]) {
      const PyValue value = eval(item, vars);
      if (value.is_opaque() && (value.kinds() & (kInt | kBool))) {
        opaque = true;
        continue;
      }
      result |= integer_of(value, "or");
    }
    return opaque ? PyValue(Opaque{kInt}) : PyValue(Int{result});
  }
  if (e.contains("neg")) {
    const PyValue value = eval(e["neg"], vars);
    if (value.is_opaque() && (value.kinds() & (kInt | kBool))) return Opaque{kInt};
    // Python's ints are unbounded: -(2**63) and an int beyond 64 bits stay exact.
    if (const auto* big = value.get_if<BigInt>()) {
      if (big->digits[0] == '-') return BigInt{big->digits.substr(1)};
      if (big->digits == "9223372036854775808") return Int{INT64_MIN};
      return BigInt{"-" + big->digits};
    }
    const std::int64_t n = integer_of(value, "neg");
    if (n == INT64_MIN) return BigInt{"9223372036854775808"};
    return Int{-n};  // a negated pid is no pid: untagged
  }
  if (e.contains("var")) {
    const std::string name = e["var"];
    const auto it = vars.find(name);
    if (it == vars.end()) {
      // Before the run, a name no earlier step binds: the case is malformed.
      // In the run, a name whose step raised instead of binding: the lookup
      // fails as the CPython driver's dict lookup fails.
      if (static_)
        throw std::invalid_argument("variable \"" + name + "\" is not bound by an earlier step");
      throw KeyError(pyproc::detail::py_str_repr(name));
    }
    if (e.contains("index")) return index(it->second, e["index"].get<std::int64_t>());
    if (e.contains("attr")) return attribute(it->second, e["attr"].get<std::string>());
    return it->second;
  }
  if (e.contains("environ")) {
    Dict env;
    for (char** entry = environ; *entry; ++entry) {
      const std::string text = *entry;
      const auto eq = text.find('=');
      if (eq != std::string::npos) env.items.emplace_back(text.substr(0, eq), text.substr(eq + 1));
    }
    const json& spec = e["environ"];
    const json set = spec.value("set", json::object());  // items() needs a living json
    for (const auto& [key, item] : set.items()) {
      PyValue value = eval(item, vars);
      auto at = std::find_if(env.items.begin(), env.items.end(),
                             [&key = key](const auto& entry) { return entry.first == key; });
      if (at != env.items.end())
        at->second = std::move(value);
      else
        env.items.emplace_back(key, std::move(value));
    }
    for (const json& name : spec.value("unset", json::array()))
      std::erase_if(env.items, [&](const auto& entry) { return entry.first == name; });
    return env;
  }
  if (e.contains("hook"))
    return ObjectPtr(std::make_shared<HookObject>(e["hook"], e.value("raise", "")));
  if (e.contains("pathlike"))
    return ObjectPtr(std::make_shared<PathLikeObject>(eval(e["pathlike"], vars)));
  if (e.contains("event_fd")) {
    if (static_) return Opaque{kStr};
    return event_fd(e["event_fd"], e.at("end"));
  }
  throw std::invalid_argument("not a value expression: " + e.dump());
}

std::string Evaluator::text(const std::string& pattern) const {
  std::string out;
  auto last = pattern.cbegin();
  for (std::sregex_iterator it(pattern.begin(), pattern.end(), event_fd_placeholder()), end;
       it != end; ++it) {
    out.append(last, (*it)[0].first);
    out += event_fd((*it)[1], (*it)[2]);
    last = (*it)[0].second;
  }
  out.append(last, pattern.cend());
  replace_all(out, "{helper_dir}", paths_.helper_dir);
  replace_all(out, "{helper}", paths_.helper);
  replace_all(out, "{tmp}", paths_.tmp);
  return out;
}

std::string Evaluator::event_fd(const std::string& name, const std::string& end) const {
  // Inheritable from now on, so that a program this process runs can use it.
  const int fd = events_->descriptor(name, end == "write");
  const int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0 || ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0) raise_os_error(errno);
  return std::to_string(fd);
}

PyValue Evaluator::index(const PyValue& r, std::int64_t i) {
  if (r.is_opaque()) return Opaque{};
  std::vector<PyValue> items;
  std::string what = type_name(r);
  if (const auto* list = r.get_if<List>()) items = list->items;
  if (const auto* tuple = r.get_if<Tuple>()) items = tuple->items;
  if (const auto* object = r.get_if<ObjectPtr>()) {
    for (auto& [name, value] : (*object)->fields()) items.push_back(value);
    if (items.empty()) throw Unexpressible("a " + what + " has no items in C++");
    what = "a struct of " + std::to_string(items.size()) + " fields (" + what + ")";
  } else if (!r.get_if<List>() && !r.get_if<Tuple>()) {
    throw Unexpressible("C++ cannot index " + describe(r));
  } else {
    what = "a " + what + " of " + std::to_string(items.size());
  }
  const auto size = static_cast<std::int64_t>(items.size());
  const std::int64_t at = i < 0 ? i + size : i;
  if (at < 0 || at >= size)
    throw Unexpressible("index " + std::to_string(i) + " is beyond " + what +
                        ": C++ has no such element to read");
  return items[static_cast<size_t>(at)];
}

PyValue Evaluator::attribute(const PyValue& r, const std::string& name) {
  if (auto value = field(r, name)) return *value;
  throw Unexpressible(describe(r) + " has no member " + name + " in C++");
}

PyValue Evaluator::view(const PyValue& r, const json& v, const Variables& vars) const {
  if (v == "value") return r;
  if (v.value("type", false)) return type_name(r);
  if (v.value("len", false)) {
    if (r.is_opaque()) return Opaque{kInt};
    if (const auto* s = r.get_if<std::string>()) return Int{code_points(*s)};
    if (const auto* b = r.get_if<Bytes>()) return Int{static_cast<std::int64_t>(b->data.size())};
    if (const auto* l = r.get_if<List>()) return Int{static_cast<std::int64_t>(l->items.size())};
    if (const auto* t = r.get_if<Tuple>()) return Int{static_cast<std::int64_t>(t->items.size())};
    if (const auto* d = r.get_if<Dict>()) return Int{static_cast<std::int64_t>(d->items.size())};
    if (const auto* o = r.get_if<ObjectPtr>(); o && !(*o)->fields().empty())
      return Int{static_cast<std::int64_t>((*o)->fields().size())};
    throw Unexpressible("C++ has no length of " + describe(r));
  }
  if (v.value("repr", false) || v.value("str", false)) {
    if (r.is_opaque()) return Opaque{kStr};
    auto text = v.value("repr", false) ? repr(r) : str(r);
    if (!text) throw Unexpressible("C++ has no text form of " + describe(r));
    return *text;
  }
  PyValue x = r;
  if (v.contains("attr")) x = attribute(r, v["attr"]);
  if (v.contains("index")) x = index(r, v["index"].get<std::int64_t>());
  if (!v.contains("compare")) return x;
  const std::string op = v["compare"][0];
  const PyValue other = eval(v["compare"][1], vars);
  const auto refuse = [&] {
    return Unexpressible("C++ cannot compare " + describe(x) + " " + op + " " + describe(other));
  };
  if (static_) {
    if (!comparable(x, op, other)) throw refuse();
    return Opaque{kBool};
  }
  const auto result = compare(x, op, other);
  if (!result) throw refuse();
  return *result;
}

}  // namespace pyproc::driver

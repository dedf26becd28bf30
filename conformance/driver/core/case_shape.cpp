#include "core/case_shape.hpp"

#include <map>
#include <regex>
#include <set>
#include <stdexcept>

namespace pyproc::driver {
namespace {

using nlohmann::json;

// A problem at a JSON path: thrown, caught once by steps_shape_problem().
struct Problem : std::runtime_error {
  Problem(const std::string& where, const std::string& what)
      : std::runtime_error(where + ": " + what) {}
};

struct Keys {
  std::set<std::string> required;
  std::set<std::string> optional;
};

const std::set<std::string> kCallKeys = {"args", "kwargs", "bind", "observe", "exception_attrs"};

// op -> its keys besides "op" (oracle/casefile.py keeps the same table).
const std::map<std::string, Keys>& ops() {
  static const std::map<std::string, Keys> table = {
      {"new",
       {{"proc"},
        {"target", "run", "class", "name", "daemon", "capture_stderr", "args", "kwargs", "group",
         "capture"}}},
      {"start", {{"proc"}, {}}},
      {"join", {{"proc"}, {"timeout"}}},
      {"is_alive", {{"proc"}, {}}},
      {"terminate", {{"proc"}, {}}},
      {"kill", {{"proc"}, {}}},
      {"close", {{"proc"}, {}}},
      {"get", {{"proc", "attr"}, {}}},
      {"set", {{"proc", "attr", "value"}, {}}},
      {"repr", {{"proc"}, {"contains"}}},
      {"sentinel_ready", {{"proc", "timeout"}, {}}},
      {"wait", {{"procs"}, {"timeout"}}},
      {"stderr", {{"proc"}, {}}},
      {"send_signal", {{"proc", "signal"}, {}}},
      {"notify", {{"event"}, {}}},
      {"await", {{"event"}, {}}},
      {"active_children", {{}, {}}},
      {"parent_is_none", {{}, {}}},
      {"target_args", {{}, {}}},
      {"ignore_signal", {{"signal"}, {}}},
      {"call", {{"function"}, kCallKeys}},
      {"method", {{"var", "method"}, kCallKeys}},
      {"value", {{"of"}, {"observe", "bind"}}},
      {"hasattr", {{"name"}, {}}},
      {"fork", {{"proc", "child"}, {"pty", "capture"}}},
      {"output", {{"stream"}, {"proc", "lines"}}},
      {"write", {{"stream", "text"}, {}}},
      {"flush", {{"stream"}, {}}},
      {"setenv", {{"name", "value"}, {}}},
      {"unsetenv", {{"name"}, {}}},
      {"hook_log", {{}, {}}},
      {"clock", {{}, {"since", "bind", "observe"}}},
      {"exit", {{}, {"code"}}},
      {"raise", {{"type", "message"}, {}}},
      {"os_exit", {{"code"}, {}}},
      {"abort", {{}, {}}},
      {"signal_self", {{"signal"}, {}}},
      {"block", {{}, {}}},
  };
  return table;
}

// expression key -> the other keys it may have (§4.9).
const std::map<std::string, std::set<std::string>>& expressions() {
  static const std::map<std::string, std::set<std::string>> table = {
      {"bytes", {}},    {"tuple", {}},       {"dict", {}},
      {"path", {}},     {"text", {}},        {"const", {}},
      {"or", {}},       {"neg", {}},         {"var", {"index", "attr"}},
      {"environ", {}},  {"hook", {"raise"}}, {"event_fd", {"end"}},
      {"pathlike", {}},
  };
  return table;
}

// §4.1: a repr step checks at most this many parts of the text.
constexpr std::size_t kMaxReprParts = 16;

const std::regex kIdentifier("[A-Za-z_][A-Za-z0-9_]*");
const std::regex kLocalName("[a-z][a-z0-9_]*");
const std::regex kDotted("(os|signal|subprocess)\\.[A-Za-z_][A-Za-z0-9_]*");
const std::regex kHex("([0-9a-fA-F]{2})*");

bool matches(const json& value, const std::regex& pattern) {
  return value.is_string() && std::regex_match(value.get_ref<const std::string&>(), pattern);
}

void require(bool ok, const std::string& where, const std::string& what) {
  if (!ok) throw Problem(where, what);
}

void check_string_of(const json& value, const std::string& where,
                     const std::set<std::string>& allowed) {
  require(value.is_string() && allowed.count(value.get<std::string>()), where,
          "must be one of the names the protocol gives here, not " + value.dump());
}

void check_expression(const json& e, const std::string& where);

void check_expressions(const json& list, const std::string& where) {
  require(list.is_array(), where, "must be an array of expressions");
  for (size_t i = 0; i < list.size(); ++i)
    check_expression(list[i], where + "[" + std::to_string(i) + "]");
}

void check_expression_object(const json& e, const std::string& where) {
  std::string kind;
  for (const auto& [key, others] : expressions())
    if (e.contains(key)) {
      require(kind.empty(), where, "an expression has exactly one of its kind keys");
      kind = key;
    }
  require(!kind.empty(), where, "an object in a value is an expression (spec/protocol.md §4.9)");
  for (const auto& [key, item] : e.items())
    require(key == kind || expressions().at(kind).count(key), where,
            "unknown key \"" + key + "\" for expression \"" + kind + "\"");
  const json& v = e.at(kind);
  const std::string at = where + "." + kind;
  if (kind == "bytes") require(matches(v, kHex), at, "must be a hex string");
  if (kind == "tuple" || kind == "or") check_expressions(v, at);
  if (kind == "or") require(v.size() >= 2, at, "must hold two or more expressions");
  if (kind == "neg" || kind == "pathlike") check_expression(v, at);
  if (kind == "dict") {
    require(v.is_object(), at, "must be an object of expressions");
    for (const auto& [key, item] : v.items()) check_expression(item, at + "." + key);
  }
  if (kind == "path") check_string_of(v, at, {"helper", "helper_dir", "tmp"});
  if (kind == "text") require(v.is_string(), at, "must be a string");
  if (kind == "const") require(matches(v, kDotted), at, "must name a module attribute (os.P_WAIT)");
  if (kind == "var") {
    require(matches(v, kLocalName), at, "must be a variable name");
    require(!(e.contains("index") && e.contains("attr")), where,
            "\"index\" and \"attr\" exclude each other");
    if (e.contains("index"))
      require(e["index"].is_number_integer(), where + ".index", "must be an integer");
    if (e.contains("attr"))
      require(matches(e["attr"], kIdentifier), where + ".attr", "must be an attribute name");
  }
  if (kind == "environ") {
    require(v.is_object(), at, "must be an object with \"set\" and/or \"unset\"");
    for (const auto& [key, item] : v.items()) {
      require(key == "set" || key == "unset", at, "unknown key \"" + key + "\"");
      if (key == "set") {
        require(item.is_object(), at + ".set", "must be an object of expressions");
        for (const auto& [name, value] : item.items()) check_expression(value, at + ".set." + name);
      } else {
        require(item.is_array(), at + ".unset", "must be an array of names");
        for (const json& name : item)
          require(name.is_string(), at + ".unset", "must be an array of names");
      }
    }
  }
  if (kind == "hook") {
    require(v.is_string() && !v.get<std::string>().empty(), at, "must be a non-empty string");
    if (e.contains("raise"))
      check_string_of(
          e["raise"], where + ".raise",
          {"RuntimeError", "ValueError", "TypeError", "Exception", "KeyboardInterrupt"});
  }
  if (kind == "event_fd") {
    require(v.is_string() && !v.get<std::string>().empty(), at, "must be an event name");
    require(e.contains("end"), where, "needs \"end\": \"read\" or \"write\"");
    check_string_of(e["end"], where + ".end", {"read", "write"});
  }
}

void check_expression(const json& e, const std::string& where) {
  if (e.is_array()) return check_expressions(e, where);
  if (e.is_object()) check_expression_object(e, where);
  // A JSON scalar means itself.
}

void check_view(const json& v, const std::string& where) {
  if (v == "value") return;
  require(v.is_object() && !v.empty(), where, "a view is \"value\" or an object (§4.9)");
  for (const char* simple : {"type", "len", "repr", "str"})
    if (v.contains(simple)) {
      require(v.size() == 1 && v[simple] == true, where,
              std::string("{\"") + simple + "\": true} takes no other key");
      return;
    }
  for (const auto& [key, item] : v.items())
    require(key == "attr" || key == "index" || key == "compare", where,
            "unknown key \"" + key + "\" in a view");
  require(!(v.contains("attr") && v.contains("index")), where,
          "\"index\" and \"attr\" exclude each other");
  if (v.contains("attr"))
    require(matches(v["attr"], kIdentifier), where + ".attr", "must be an attribute name");
  if (v.contains("index"))
    require(v["index"].is_number_integer(), where + ".index", "must be an integer");
  if (v.contains("compare")) {
    const json& c = v["compare"];
    require(c.is_array() && c.size() == 2, where + ".compare", "must be [OP, expression]");
    check_string_of(c[0], where + ".compare[0]", {"==", "!=", "<", "<=", ">", ">="});
    check_expression(c[1], where + ".compare[1]");
  }
}

void check_call_keys(const json& step, const std::string& where) {
  if (step.contains("args")) check_expressions(step["args"], where + ".args");
  if (step.contains("kwargs")) {
    const json& kwargs = step["kwargs"];
    require(kwargs.is_object(), where + ".kwargs", "must be an object whose keys are identifiers");
    for (const auto& [key, e] : kwargs.items()) {
      require(std::regex_match(key, kIdentifier), where + ".kwargs",
              "\"" + key + "\" is not an identifier");
      check_expression(e, where + ".kwargs." + key);
    }
  }
  if (step.contains("observe")) {
    const json& views = step["observe"];
    require(views.is_array() && !views.empty(), where + ".observe",
            "must be a non-empty array of views");
    for (size_t i = 0; i < views.size(); ++i)
      check_view(views[i], where + ".observe[" + std::to_string(i) + "]");
  }
  if (step.contains("exception_attrs")) {
    const json& attrs = step["exception_attrs"];
    require(attrs.is_array() && !attrs.empty(), where + ".exception_attrs",
            "must be a non-empty array of attribute names");
    for (const json& a : attrs)
      require(matches(a, kIdentifier), where + ".exception_attrs",
              "must be a non-empty array of attribute names");
  }
  if (step.contains("bind"))
    require(matches(step["bind"], kLocalName), where + ".bind", "must be a variable name");
}

void check_bool(const json& step, const char* key, const std::string& where) {
  if (step.contains(key))
    require(step[key].is_boolean(), where + "." + key, "must be true or false");
}

void check_step(const json& step, const std::string& where);

void check_steps(const json& steps, const std::string& where) {
  require(steps.is_array(), where, "must be an array of steps");
  for (size_t i = 0; i < steps.size(); ++i)
    check_step(steps[i], where + "[" + std::to_string(i) + "]");
}

void check_step(const json& step, const std::string& where) {
  require(step.is_object(), where, "a step is an object");
  require(step.contains("op") && step["op"].is_string(), where, "a step has an \"op\" string");
  const std::string op = step["op"];
  const auto known = ops().find(op);
  // An op this driver does not know may be one a newer protocol added: the
  // case is unsupported (protocol §5), which check_case() reports, not
  // malformed.
  if (known == ops().end()) return;
  for (const std::string& key : known->second.required)
    require(step.contains(key), where, "op \"" + op + "\" needs \"" + key + "\"");
  for (const auto& [key, value] : step.items())
    require(key == "op" || key == "setup" || known->second.required.count(key) ||
                known->second.optional.count(key),
            where, "unknown key \"" + key + "\" for op \"" + op + "\"");
  // Any step may say it only sets the case up (§2); the harness reads it, a
  // driver runs the step as if it were absent. Only true is written.
  if (step.contains("setup"))
    require(step["setup"] == json(true), where + ".setup",
            "must be true (leave it out for a step that checks the case's clauses)");
  for (const char* text :
       {"proc", "event", "name", "function", "method", "var", "type", "message", "attr", "class"})
    if (step.contains(text))
      require(step[text].is_string(), where + "." + text, "must be a string");
  for (const char* list : {"target", "run", "child"})
    if (step.contains(list)) check_steps(step[list], where + "." + list);
  for (const char* flag : {"pty", "capture", "lines", "capture_stderr"})
    check_bool(step, flag, where);
  if (step.contains("stream"))
    check_string_of(step["stream"], where + ".stream", {"stdout", "stderr"});
  if (op == "call" || op == "method") check_call_keys(step, where);
  if (op == "call")
    require(matches(step["function"], kDotted), where + ".function",
            "must name a function (os.waitpid)");
  if (op == "hasattr")
    require(matches(step["name"], kDotted), where + ".name",
            "must name a module attribute (os.EX_OK)");
  if (op == "value") {
    check_expression(step["of"], where + ".of");
    check_call_keys(step, where);
  }
  if (op == "clock") {
    if (step.contains("since"))
      require(matches(step["since"], kLocalName), where + ".since", "must be a local name");
    check_call_keys(step, where);
    // §4.13: no time reaches an expected file.
    for (const json& v : step.value("observe", json::array()))
      require(v.is_object() && v.size() == 1 && v.contains("compare"), where + ".observe",
              "a clock is observed only through comparisons ({\"compare\": [op, e]})");
  }
  if (op == "write") require(step["text"].is_string(), where + ".text", "must be a string");
  if (op == "setenv") check_expression(step["value"], where + ".value");
  if (op == "setenv" || op == "unsetenv")
    require(!step["name"].get<std::string>().empty(), where + ".name",
            "must be a non-empty string");
  if (op == "output" && step.contains("proc"))
    require(matches(step["proc"], kLocalName), where + ".proc", "must be a local name");
  if (op == "fork")
    require(matches(step["proc"], kLocalName), where + ".proc", "must be a local name");
  if (op == "repr" && step.contains("contains")) {
    const json& parts = step["contains"];
    bool ok = parts.is_array() && !parts.empty() && parts.size() <= kMaxReprParts;
    for (const json& part : ok ? parts : json::array())
      ok = ok && part.is_string() && !part.get_ref<const std::string&>().empty();
    require(ok, where + ".contains",
            "must be an array of 1 to " + std::to_string(kMaxReprParts) + " non-empty strings");
  }
}

}  // namespace

std::optional<std::string> steps_shape_problem(const json& steps, const std::string& where) {
  try {
    check_steps(steps, where);
  } catch (const Problem& problem) {
    return problem.what();
  }
  return std::nullopt;
}

}  // namespace pyproc::driver

#include "core/program.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "core/functions.hpp"
#include "core/hooks.hpp"
#include "core/values.hpp"
#include "pyproc/py_repr.hpp"

namespace pyproc::driver {
namespace {

using nlohmann::json;

std::FILE* stream_of(const json& step) { return step.at("stream") == "stdout" ? stdout : stderr; }

// A call's arguments, evaluated in order: positional, then keyword.
std::variant<Bound, std::string> bind_step(const std::string& name, const Signature& signature,
                                           const json& step, const Evaluator& eval,
                                           const Variables& vars) {
  std::vector<PyValue> args;
  for (const json& e : step.value("args", json::array())) args.push_back(eval.eval(e, vars));
  std::vector<std::pair<std::string, PyValue>> kwargs;
  const json given = step.value("kwargs", json::object());  // items() needs a living json
  for (const auto& [key, e] : given.items()) kwargs.emplace_back(key, eval.eval(e, vars));
  return bind_arguments(name, signature, args, kwargs);
}

const Bound& bound_or_fail(const std::variant<Bound, std::string>& bound) {
  // Refused before the run when the static check could tell; here only a
  // variable that turned out to hold what C++ cannot pass.
  if (const auto* why = std::get_if<std::string>(&bound)) throw Unexpressible(*why);
  return std::get<Bound>(bound);
}

}  // namespace

bool Program::handles(const std::string& op) {
  static const std::set<std::string> ops = {"call",     "method",   "value", "hasattr",
                                            "output",   "write",    "flush", "setenv",
                                            "unsetenv", "hook_log", "del",   "clock"};
  return ops.count(op) > 0;
}

json Program::step(const json& step, const std::map<std::string, CaptureFiles>& own_files) {
  const std::string op = step.at("op");
  if (op == "call") return result(step, call(step));
  if (op == "method") return result(step, method(step));
  if (op == "value") return result(step, eval_.eval(step.at("of"), vars_));
  if (op == "hasattr") return lookup(step.at("name")).present();
  if (op == "output") return output(step, own_files);
  if (op == "write") {
    const std::string text = step.at("text");
    std::fwrite(text.data(), 1, text.size(), stream_of(step));
    return nullptr;
  }
  if (op == "flush") {
    if (std::fflush(stream_of(step)) != 0) raise_os_error(errno);
    return nullptr;
  }
  if (op == "setenv") {
    const PyValue value = eval_.eval(step.at("value"), vars_);
    const auto* text = value.get_if<std::string>();
    if (!text) throw Unexpressible("setenv takes a std::string, not " + describe(value));
    if (::setenv(step.at("name").get<std::string>().c_str(), text->c_str(), 1) != 0)
      raise_os_error(errno);
    return nullptr;
  }
  if (op == "unsetenv") {
    // The op is `del os.environ[name]` (§4.9): a missing name is a KeyError,
    // which unsetenv(3) would not report.
    const std::string name = step.at("name");
    if (!std::getenv(name.c_str())) throw KeyError(pyproc::detail::py_str_repr(name));
    if (::unsetenv(name.c_str()) != 0) raise_os_error(errno);
    return nullptr;
  }
  if (op == "hook_log") return hooks::read_new();
  if (op == "clock") return clock(step);
  if (op == "del") {
    // `del x` (§4.12): the binding goes; the object with it when nothing
    // else holds it, as CPython's reference count frees it.
    vars_.erase(step.at("var").get<std::string>());
    return nullptr;
  }
  throw std::logic_error("not an op of Program: " + op);
}

PyValue Program::call(const json& step) {
  const std::string name = step.at("function");
  // Looked up before any argument is evaluated (§4.9).
  const Lookup found = lookup(name);
  if (found.absent) raise_absent(name);
  if (!found.function) throw std::logic_error(name + " reached a step: the check refuses it");
  const Function& function = *found.function;
  return function.run(bound_or_fail(bind_step(name, function.signature, step, eval_, vars_)), {});
}

PyValue Program::method(const json& step) {
  const std::string var = step.at("var");
  const auto bound = vars_.find(var);
  // Its step raised instead of binding: the lookup fails as the CPython
  // driver's dict lookup does (a variable of an earlier step, §4.9).
  if (bound == vars_.end()) throw KeyError(pyproc::detail::py_str_repr(var));
  const PyValue& self = bound->second;
  const std::string name = step.at("method");
  const Function* function = find_method(self, name);
  if (!function) throw Unexpressible(describe(self) + " has no method " + name + " in C++");
  return function->run(bound_or_fail(bind_step(name, function->signature, step, eval_, vars_)),
                       self);
}

// §4.13: time.monotonic() (CLOCK_MONOTONIC, as steady_clock is), or the
// seconds since the one bound to `since`; null, or the comparisons.
json Program::clock(const json& step) {
  const double now =
      std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  double r = now;
  if (step.contains("since")) {
    const std::string since = step["since"];
    const auto bound = vars_.find(since);
    if (bound == vars_.end()) throw KeyError(pyproc::detail::py_str_repr(since));
    const auto* then = bound->second.get_if<double>();
    if (!then)
      throw Unexpressible("clock: " + since + " is not a time: " + describe(bound->second));
    r = now - *then;
  }
  const json observed = result(step, PyValue(r));
  return step.contains("observe") ? observed : json(nullptr);
}

json Program::result(const json& step, const PyValue& r) {
  for (std::int64_t pid : pids_in(r)) know_pid_(pid);
  if (step.contains("bind")) vars_[step["bind"]] = r;
  if (!step.contains("observe")) return encode(r);
  json views = json::array();
  for (const json& v : step["observe"]) views.push_back(encode(eval_.view(r, v, vars_)));
  return views;
}

json Program::output(const json& step, const std::map<std::string, CaptureFiles>& own_files) {
  const std::string stream = step.at("stream");
  int fd = stream == "stdout" ? 1 : 2;
  if (step.contains("proc")) fd = own_files.at(step["proc"]).fd(stream);
  const std::string data = positions_.read_new(fd);
  if (!is_utf8(data)) return encode(Bytes{data});
  if (step.value("lines", false)) return unindented_lines(data);
  return data;
}

}  // namespace pyproc::driver

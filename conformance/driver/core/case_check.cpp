#include "core/case_check.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <fstream>
#include <regex>

#include "core/case_shape.hpp"
#include "core/functions.hpp"
#include "core/program.hpp"
#include "core/script.hpp"
#include "core/signal_names.hpp"
#include "pyproc/exceptions.hpp"

namespace pyproc::driver {
namespace {

using nlohmann::json;

// An exit code pyproc::SystemExit cannot take: an integer beyond int64, or a float.
bool beyond_int64(const json& value) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>() > INT64_MAX;
  return value.is_number_float() || big_int_digits(value) != nullptr;  // see read_exact_json
}

// Every event an expression in `node` names: {"event_fd": NAME} and the
// {event_fd:NAME:END} placeholders of "text" expressions (§4.9).
void expression_events(const json& node, Events& events) {
  static const std::regex placeholder(R"(\{event_fd:([^:{}]+):(read|write)\})");
  if (node.is_object()) {
    if (node.contains("event_fd") && node["event_fd"].is_string()) events.create(node["event_fd"]);
    if (node.size() == 1 && node.contains("text") && node["text"].is_string()) {
      const std::string text = node["text"];
      for (std::sregex_iterator it(text.begin(), text.end(), placeholder), end; it != end; ++it)
        events.create((*it)[1]);
    }
  }
  if (node.is_structured())
    for (const json& item : node) expression_events(item, events);
}

// What kind of list is being checked, and the variables it sees (§4.9: a
// process started by `new` or `fork` starts with its creator's).
struct Scope {
  bool in_main = true;
  bool in_target = false;  // a target or run list: @parent is an object there
  bool in_fork = false;
  Variables vars;
};

class Checker {
 public:
  Checker(Events& events, const Paths& paths) : events_(events), eval_(nullptr, paths, true) {}

  void steps(const json& steps, const std::string& where, Scope scope);
  Refusal refusal;

 private:
  void step(const json& step, const std::string& at, Scope& scope);
  // Protocol 2 (§4.9): throws Missing for what pyproc lacks, Unexpressible
  // for a step C++ cannot write (observed as such when the step runs).
  void program_step(const json& step, const std::string& at, Scope& scope);
  void call(const json& step, const std::string& at, Scope& scope);
  void method(const json& step, Scope& scope);
  void result(const json& step, const PyValue& shape, Scope& scope);
  std::vector<PyValue> arguments(const json& step, const Scope& scope);
  std::vector<std::pair<std::string, PyValue>> keyword_arguments(const json& step,
                                                                 const Scope& scope);
  void malformed(const std::string& message) {
    if (refusal.malformed.empty()) refusal.malformed = message;
  }
  void unsupported(const std::string& message) {
    if (refusal.unsupported.empty()) refusal.unsupported = message;
  }

  Events& events_;
  Evaluator eval_;
};

void Checker::steps(const json& steps, const std::string& where, Scope scope) {
  for (size_t i = 0; i < steps.size(); ++i)
    step(steps[i], where + "[" + std::to_string(i) + "]", scope);
}

void Checker::step(const json& step, const std::string& at, Scope& scope) {
  const std::string op = step.at("op");
  if (!Script::supports(op)) unsupported(at + ": unknown op \"" + op + "\"");
  if (op == "exit" && beyond_int64(step.value("code", json())))
    unsupported(at + ": pyproc::SystemExit takes a 64-bit integer code, not " +
                step["code"].dump());
  if (scope.in_main && Script::ends_process(op))
    malformed(at + ": op \"" + op +
              "\" ends the process running it; the main process is the driver");
  if (scope.in_fork && (op == "exit" || op == "raise"))
    malformed(at + ": op \"" + op + "\" would unwind through the driver in a \"fork\" child");
  if (step.contains("signal")) {
    // Signal names are checked here, not when the step is reached: by then
    // children may be waiting for steps that would never run.
    if (auto problem = signal_name_problem(step["signal"]))
      malformed(at + ".signal: " + *problem);
    else if (!find_signal(step["signal"]))
      unsupported(at + ": signal " + step["signal"].get<std::string>() +
                  " does not exist on this platform");
  }
  if (step.contains("event")) events_.create(step["event"]);
  expression_events(step, events_);
  try {
    program_step(step, at, scope);
  } catch (const Missing& e) {
    unsupported(at + ": " + e.what());
    // Bound all the same, so that later steps are still checked.
    if (step.contains("bind")) scope.vars[step["bind"]] = Opaque{};
  } catch (const Unexpressible&) {
    // The step observes it when it runs; what it would bind is unknown.
    if (step.contains("bind")) scope.vars[step["bind"]] = Opaque{};
  } catch (const std::exception& e) {
    malformed(at + ": " + e.what());
  }
  for (const char* list : {"target", "run"})
    if (step.contains(list))
      steps(step[list], at + "." + list, Scope{false, true, false, scope.vars});
}

void Checker::program_step(const json& step, const std::string& at, Scope& scope) {
  const std::string op = step.at("op");
  if (op == "call") return call(step, at, scope);
  if (op == "method") return method(step, scope);
  if (op == "value") return result(step, eval_.eval(step.at("of"), scope.vars), scope);
  if (op == "clock") return result(step, PyValue(0.0), scope);
  if (op == "del") {
    scope.vars.erase(step.at("var").get<std::string>());
    return;
  }
  if (op == "hasattr") {
    if (auto why = unsupported_name(step.at("name"))) throw Missing(*why);
  }
  if (op == "setenv") {
    if (auto why = unfit(ParamType::Str, eval_.eval(step.at("value"), scope.vars)))
      throw Unexpressible("setenv: " + *why);
  }
  if (op == "fork") {
    const bool pty = step.value("pty", false);
    const std::string name = step.at("proc");
    Scope child{false, false, true, scope.vars};
    child.vars[name] = pty ? PyValue(Tuple{{Int{0}, Int{-1}}}) : PyValue(Int{0});
    steps(step.at("child"), at + ".child", child);
    scope.vars[name] = pty ? PyValue(Tuple{{Opaque{kInt}, Opaque{kInt}}}) : PyValue(Opaque{kInt});
  }
}

std::vector<PyValue> Checker::arguments(const json& step, const Scope& scope) {
  std::vector<PyValue> args;
  for (const json& e : step.value("args", json::array())) args.push_back(eval_.eval(e, scope.vars));
  return args;
}

std::vector<std::pair<std::string, PyValue>> Checker::keyword_arguments(const json& step,
                                                                        const Scope& scope) {
  std::vector<std::pair<std::string, PyValue>> kwargs;
  const json given = step.value("kwargs", json::object());  // items() needs a living json
  for (const auto& [key, e] : given.items()) kwargs.emplace_back(key, eval_.eval(e, scope.vars));
  return kwargs;
}

void Checker::call(const json& step, const std::string& at, Scope& scope) {
  const std::string name = step.at("function");
  if (name == "os.fork" || name == "os.forkpty")
    return malformed(at + ".function: \"" + name + "\" runs only through the \"fork\" op");
  const Lookup found = lookup(name);
  if (found.function && found.function->ends_process && scope.in_main)
    return malformed(at + ".function: \"" + name +
                     "\" replaces or ends the process running it; the main process is the driver");
  if (auto why = unsupported_name(name)) throw Missing(*why);
  if (found.absent) {
    // AttributeError when the step runs, before its arguments: nothing to bind.
    return result(step, Opaque{}, scope);
  }
  const auto bound = bind_arguments(name, found.function->signature, arguments(step, scope),
                                    keyword_arguments(step, scope));
  if (const auto* why = std::get_if<std::string>(&bound)) throw Unexpressible(*why);
  result(step, found.function->shape(std::get<Bound>(bound), {}), scope);
}

void Checker::method(const json& step, Scope& scope) {
  const std::string var = step.at("var");
  const auto it = scope.vars.find(var);
  if (it == scope.vars.end())
    throw std::invalid_argument("variable \"" + var + "\" is not bound by an earlier step");
  const PyValue self = it->second;
  const std::string name = step.at("method");
  if (self.is_opaque()) return result(step, Opaque{}, scope);
  const Function* function = find_method(self, name);
  if (!function) throw Unexpressible(describe(self) + " has no method " + name + " in C++");
  const auto bound = bind_arguments(name, function->signature, arguments(step, scope),
                                    keyword_arguments(step, scope));
  if (const auto* why = std::get_if<std::string>(&bound)) throw Unexpressible(*why);
  result(step, function->shape(std::get<Bound>(bound), self), scope);
}

void Checker::result(const json& step, const PyValue& shape, Scope& scope) {
  if (step.contains("bind")) scope.vars[step["bind"]] = shape;
  for (const json& v : step.value("observe", json::array())) eval_.view(shape, v, scope.vars);
}

// /proc/sys/kernel/core_pattern, or "" where it cannot be read.
std::string core_pattern() {
  std::ifstream in("/proc/sys/kernel/core_pattern");
  std::string pattern;
  std::getline(in, pattern);
  return pattern;
}

}  // namespace

Refusal check_case(const json& case_doc, Events& events, const Paths& paths) {
  Checker checker(events, paths);
  // The shape first: the checks of meaning below may then read every key.
  if (auto problem = steps_shape_problem(case_doc.at("steps"), "steps")) {
    checker.refusal.malformed = *problem;
    return checker.refusal;
  }
  if (auto why = unmet_requirement(case_doc); !why.empty()) checker.refusal.unsupported = why;
  checker.steps(case_doc.at("steps"), "steps", Scope{});
  return checker.refusal;
}

std::string unmet_requirement(const json& case_doc) {
  for (const json& requirement : case_doc.value("requires", json::array())) {
    const std::string name = requirement;
    std::string why;
    if (name == "root" && ::geteuid() != 0) why = "the driver does not run as root";
    if (name == "non-root" && ::geteuid() == 0) why = "the driver runs as root";
    if (name == "core-dumps") {
      rlimit limit{};
      const std::string pattern = core_pattern();
      if (::getrlimit(RLIMIT_CORE, &limit) != 0 || limit.rlim_max == 0)
        why = "the hard limit RLIMIT_CORE is 0";
      else if (pattern.empty() || pattern[0] == '|' || pattern[0] == '/')
        why = "core_pattern \"" + pattern + "\" does not name a file in the working directory";
    }
    if (!why.empty()) return "requires " + name + ": " + why;
  }
  return {};
}

void set_core_limit(const json& case_doc) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_CORE, &limit) != 0) raise_os_error(errno);
  bool dumps = false;
  for (const json& requirement : case_doc.value("requires", json::array()))
    dumps = dumps || requirement == "core-dumps";
  const rlim_t wanted = dumps ? limit.rlim_max : 0;
  if (limit.rlim_cur == wanted) return;
  limit.rlim_cur = wanted;
  if (::setrlimit(RLIMIT_CORE, &limit) != 0) raise_os_error(errno);
}

}  // namespace pyproc::driver

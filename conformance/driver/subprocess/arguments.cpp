#include "subprocess/arguments.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/exception_attrs.hpp"
#include "core/hooks.hpp"

namespace pyproc::driver {

namespace sp = pyproc::subprocess;
using P = ParamType;

PyValue output_value(const std::string& data, bool text) {
  if (text) return data;
  return Bytes{data};
}

PyValue optional_output(const std::optional<std::string>& data, bool text) {
  if (!data) return {};
  return output_value(*data, text);
}

PyValue command_value(const sp::Command& command) {
  if (!command.is_list()) return command.string();
  List list;
  for (const std::string& item : command.list()) list.items.emplace_back(item);
  return list;
}

sp::Command to_command(const PyValue& value) {
  if (value.get_if<List>() || value.get_if<Tuple>()) return sp::Command(to_args(value));
  if (const auto* object = value.get_if<ObjectPtr>();
      object && dynamic_cast<const PathLikeObject*>(object->get())) {
    return sp::Command(std::filesystem::path(to_string(value)));
  }
  return sp::Command(to_string(value));
}

sp::Timeout to_timeout(const PyValue& value) {
  if (const auto* d = value.get_if<double>()) return *d;
  // An int stays an int ("after -12345678901234567 seconds"), whatever fits
  // sp::Timeout's long long: not only a C int's range.
  if (const auto* n = value.get_if<Int>()) return static_cast<long long>(n->value);
  return static_cast<long long>(to_int(value));
}

std::optional<sp::Timeout> to_optional_timeout(const PyValue& value) {
  if (value.is_none()) return std::nullopt;
  return to_timeout(value);
}

PyValue timeout_value(const sp::Timeout& timeout) {
  // Read back from its str(): "1" for an int, "1.0" for a float.
  const std::string text = timeout.str();
  if (text.find_first_not_of("-0123456789") == std::string::npos) return Int{std::stoll(text)};
  return timeout.seconds();
}

// The child-setup keywords Popen takes and the conveniences pass on.
void add_child_setup(std::vector<Param>& params) {
  const PyValue none;
  params.insert(params.end(), {{"close_fds", P::Truth, true, true},
                               {"pass_fds", P::IntList, Tuple{}},
                               {"restore_signals", P::Truth, true},
                               {"start_new_session", P::Truth, false},
                               {"process_group", P::Int, none, true},
                               {"preexec_fn", P::Hook, none, true},
                               {"user", P::NameOrId, none, true},
                               {"group", P::NameOrId, none, true},
                               {"extra_groups", P::NameOrIdList, none, true},
                               {"umask", P::Int, Int{-1}},
                               {"pipesize", P::Int, Int{-1}, true}});
}

Signature options_signature() {
  const PyValue none;
  Signature signature{.params = {{"args", P::Command},
                                 {"input", P::Data, none, true},
                                 {"stdin", P::Stream, none, true},
                                 {"stdout", P::Stream, none, true},
                                 {"stderr", P::Stream, none, true},
                                 {"capture_output", P::Bool, false},
                                 {"text", P::Bool, none, true},
                                 {"check", P::Bool, none, true},
                                 {"timeout", P::Number, none, true},
                                 {"cwd", P::FsString, none, true},
                                 {"env", P::Env, none, true},
                                 {"shell", P::Bool, false},
                                 {"encoding", P::Str, none, true},
                                 {"errors", P::Str, none, true},
                                 {"executable", P::FsString, none, true},
                                 {"universal_newlines", P::Truth, none, true},
                                 {"bufsize", P::Int, none, true}},
                      .keywords = true};
  add_child_setup(signature.params);
  return signature;
}

Signature popen_signature() {
  const PyValue none;
  Signature signature{.params = {{"args", P::Command},
                                 {"bufsize", P::Int, none, true},
                                 {"executable", P::FsString, none, true},
                                 {"stdin", P::Stream, none, true},
                                 {"stdout", P::Stream, none, true},
                                 {"stderr", P::Stream, none, true},
                                 {"shell", P::Bool, false},
                                 {"cwd", P::FsString, none, true},
                                 {"env", P::Env, none, true},
                                 {"universal_newlines", P::Truth, none, true},
                                 {"encoding", P::Str, none, true},
                                 {"errors", P::Str, none, true},
                                 {"text", P::Truth, none, true}},
                      .keywords = true};
  add_child_setup(signature.params);
  return signature;
}

namespace {

// The bound value of parameter `name` (None if the signature has none).
class Named {
 public:
  Named(const Signature& signature, const Bound& bound) : signature_(signature), bound_(bound) {}
  [[nodiscard]] PyValue operator[](const std::string& name) const {
    const std::size_t i = index(name);
    return i < bound_.params.size() ? bound_.params[i] : PyValue();
  }
  // Whether the call gave it (a None given is not a None by default).
  [[nodiscard]] bool given(const std::string& name) const {
    const std::size_t i = index(name);
    return i < bound_.given.size() && bound_.given[i];
  }

 private:
  [[nodiscard]] std::size_t index(const std::string& name) const {
    std::size_t i = 0;
    while (i < signature_.params.size() && signature_.params[i].name != name) ++i;
    return i;
  }

  const Signature& signature_;
  const Bound& bound_;
};

std::optional<int> optional_fd(const PyValue& value) {
  if (value.is_none()) return std::nullopt;
  return to_fd(value);
}

// A Bool or a Truth parameter: an int is its truth value.
std::optional<bool> optional_bool(const PyValue& value) {
  if (value.is_none()) return std::nullopt;
  if (const auto* n = value.get_if<Int>()) return n->value != 0;
  return *value.get_if<bool>();
}

std::optional<std::string> optional_string(const PyValue& value) {
  if (value.is_none()) return std::nullopt;
  return to_string(value);
}

const std::vector<PyValue>& sequence_items(const PyValue& value) {
  if (const auto* list = value.get_if<List>()) return list->items;
  return value.get_if<Tuple>()->items;
}

sp::Options::NameOrId name_or_id(const PyValue& value) {
  if (const auto* name = value.get_if<std::string>()) return *name;
  return static_cast<long long>(value.get_if<Int>()->value);
}

// A {"hook": name} as preexec_fn: appends its name to the hook log of the
// child, then raises if asked to.
std::function<void()> preexec_of(const PyValue& value) {
  if (value.is_none()) return nullptr;
  const auto hook = std::static_pointer_cast<HookObject>(std::get<ObjectPtr>(value.v));
  return [hook] {
    hooks::append(hook->name.c_str());
    if (!hook->raises.empty()) raise_named(hook->raises, hook->name);
  };
}

}  // namespace

sp::Options options_of(const Signature& signature, const Bound& bound) {
  const Named a(signature, bound);
  sp::Options o;
  if (a.given("input")) {
    o.input = a["input"].is_none() ? sp::Options::InputValue(sp::None)
                                   : sp::Options::InputValue(to_string(a["input"]));
  }
  o.stdin = optional_fd(a["stdin"]);
  o.stdout = optional_fd(a["stdout"]);
  o.stderr = optional_fd(a["stderr"]);
  o.capture_output = optional_bool(a["capture_output"]).value_or(false);
  o.text = optional_bool(a["text"]);
  // None for check is "not given": the C++ optional cannot hold a given None.
  o.check = optional_bool(a["check"]);
  o.timeout = to_optional_timeout(a["timeout"]);
  o.cwd = optional_string(a["cwd"]);
  if (!a["env"].is_none()) o.env = to_env(a["env"]);
  o.shell = optional_bool(a["shell"]).value_or(false);
  o.encoding = optional_string(a["encoding"]);
  o.errors = optional_string(a["errors"]);
  o.executable = optional_string(a["executable"]);
  o.universal_newlines = optional_bool(a["universal_newlines"]);
  if (const PyValue bufsize = a["bufsize"]; !bufsize.is_none()) o.bufsize = to_int(bufsize);
  // close_fds is read by its truth (None is false); not given, it is true.
  o.close_fds = a.given("close_fds") ? optional_bool(a["close_fds"]).value_or(false) : true;
  if (const PyValue fds = a["pass_fds"]; !fds.is_none()) {
    for (const PyValue& fd : sequence_items(fds)) o.pass_fds.push_back(to_int(fd));
  }
  o.restore_signals = optional_bool(a["restore_signals"]).value_or(true);
  o.start_new_session = optional_bool(a["start_new_session"]).value_or(false);
  if (const PyValue group = a["process_group"]; !group.is_none()) o.process_group = to_int(group);
  o.preexec_fn = preexec_of(a["preexec_fn"]);
  if (const PyValue user = a["user"]; !user.is_none()) o.user = name_or_id(user);
  if (const PyValue group = a["group"]; !group.is_none()) o.group = name_or_id(group);
  if (const PyValue groups = a["extra_groups"]; !groups.is_none()) {
    o.extra_groups.emplace();
    for (const PyValue& group : sequence_items(groups))
      o.extra_groups->push_back(name_or_id(group));
  }
  if (const PyValue mask = a["umask"]; !mask.is_none()) o.umask = to_int(mask);
  if (const PyValue size = a["pipesize"]; !size.is_none()) o.pipesize = to_int(size);
  return o;
}

}  // namespace pyproc::driver

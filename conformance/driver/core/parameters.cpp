#include "core/parameters.hpp"

#include <climits>
#include <cstdint>
#include <stdexcept>

#include "core/expressions.hpp"
#include "core/hooks.hpp"
#include "pyproc/py_repr.hpp"

namespace pyproc::driver {
namespace {

const char* cpp_type(ParamType type) {
  switch (type) {
    case ParamType::Int:
      return "an int";
    case ParamType::Id:
      return "an id_t";
    case ParamType::FsString:
    case ParamType::Str:
      return "a std::string";
    case ParamType::Args:
      return "an os::Args (std::vector<std::string>)";
    case ParamType::Env:
      return "an os::Env (std::map<std::string, std::string>)";
    case ParamType::PathOrFd:
      return "a std::string path or an int fd";
    case ParamType::Handler:
      return "SIG_DFL, SIG_IGN or a hook";
    case ParamType::Hook:
      return "a pyproc::os::ForkHook (a hook)";
    case ParamType::Command:
      return "a subprocess::Command (a std::string or a std::vector<std::string>)";
    case ParamType::Bool:
      return "a bool";
    case ParamType::Truth:
      return "a bool (from a bool or an int)";
    case ParamType::IntList:
      return "a std::vector<int>";
    case ParamType::Stream:
      return "an int fd (or a file object's fileno())";
    case ParamType::NameOrId:
      return "a name (std::string) or an id (long long)";
    case ParamType::NameOrIdList:
      return "a std::vector of names and ids";
    case ParamType::Number:
      return "a number";
    case ParamType::Data:
      return "a std::string";
    case ParamType::Ignored:
      return "anything";
  }
  return "?";
}

// What a parameter may receive, by kind (an Opaque fits if it may be one).
unsigned accepted_kinds(ParamType type) {
  switch (type) {
    case ParamType::Int:
    case ParamType::Id:
      return kInt | kBool;
    case ParamType::FsString:
      return kStr | kBytes;
    case ParamType::Str:
      return kStr;
    case ParamType::Args:
      return kList | kTuple;
    case ParamType::Env:
      return kDict;
    case ParamType::PathOrFd:
      return kStr | kBytes | kInt | kBool;
    case ParamType::Handler:
      return kInt | kBool | kObject;
    case ParamType::Hook:
      return kObject;
    case ParamType::Command:
      return kStr | kBytes | kList | kTuple;
    case ParamType::Bool:
      return kBool;
    case ParamType::Truth:
      return kBool | kInt;
    case ParamType::IntList:
    case ParamType::NameOrIdList:
      return kList | kTuple;
    case ParamType::Stream:
      return kInt | kBool | kObject;
    case ParamType::NameOrId:
      return kStr | kInt;
    case ParamType::Number:
      return kInt | kBool | kFloat;
    case ParamType::Data:
      return kStr | kBytes;
    case ParamType::Ignored:
      return kAnyKind;
  }
  return 0;
}

std::optional<std::int64_t> integer(const PyValue& value) {
  if (const auto* n = value.get_if<Int>()) return n->value;
  if (const auto* b = value.get_if<bool>()) return *b ? 1 : 0;
  return std::nullopt;
}

std::optional<std::string> unfit_range(const PyValue& value, std::int64_t low, std::int64_t high,
                                       const char* type) {
  const auto n = integer(value);
  if (n && (*n < low || *n > high)) return describe(value) + " does not fit " + type;
  return std::nullopt;
}

std::optional<std::string> unfit_items(const std::vector<PyValue>& items, ParamType type,
                                       const char* what) {
  for (const PyValue& item : items)
    if (auto why = unfit(type, item)) return std::string(what) + ": " + *why;
  return std::nullopt;
}

void require_fit(ParamType type, const PyValue& value) {
  if (auto why = unfit(type, value)) throw std::invalid_argument("at run time, " + *why);
}

// A path-like object's path (os.fspath()), or the value itself.
const PyValue& fspath(const PyValue& value) {
  if (const auto* object = value.get_if<ObjectPtr>()) {
    if (const auto* path = dynamic_cast<const PathLikeObject*>(object->get())) return path->path;
  }
  return value;
}

std::string fs_string(const PyValue& value) {
  const PyValue& path = fspath(value);
  if (const auto* s = path.get_if<std::string>()) return *s;
  return path.get_if<Bytes>()->data;
}

const std::vector<PyValue>& sequence(const PyValue& value) {
  if (const auto* list = value.get_if<List>()) return list->items;
  return value.get_if<Tuple>()->items;
}

std::string names(const Signature& signature) {
  std::string text;
  for (const Param& param : signature.params) text += (text.empty() ? "" : ", ") + param.name;
  if (signature.rest) text += (text.empty() ? "" : ", ") + std::string("*args");
  if (signature.env_last) text += ", env";
  return text;
}

}  // namespace

std::string describe(const PyValue& value) {
  if (value.is_opaque()) return "a value";
  if (value.is_none()) return "None";
  if (value.get_if<List>()) return "a list";
  if (value.get_if<Tuple>()) return "a tuple";
  if (value.get_if<Dict>()) return "a dict";
  if (const auto* o = value.get_if<ObjectPtr>()) return "a " + (*o)->type_name();
  // Not the number of a pid, fd, uid or gid: it differs between machines,
  // and this text reaches observations (and deviations files).
  static const char* const tagged[] = {nullptr, "a process id", "a file descriptor", "a user id",
                                       "a group id"};
  if (const auto* n = value.get_if<Int>(); n && n->tag != Tag::none)
    return std::string("an int (") + tagged[static_cast<int>(n->tag)] + ")";
  return "the " + type_name(value) + " " + repr(value).value_or("?");
}

std::optional<std::string> unfit(ParamType type, const PyValue& value) {
  // A path-like object stands for its path wherever a path is taken.
  const bool path_type =
      type == ParamType::FsString || type == ParamType::Command || type == ParamType::PathOrFd;
  if (path_type && &fspath(value) != &value) return unfit(ParamType::FsString, fspath(value));
  if (!(value.kinds() & accepted_kinds(type)))
    return std::string("C++ takes ") + cpp_type(type) + ", not " + describe(value);
  if (value.is_opaque()) return std::nullopt;  // the run will tell
  switch (type) {
    case ParamType::Int:
      return unfit_range(value, INT_MIN, INT_MAX, "a C int");
    case ParamType::Id:
      return unfit_range(value, 0, UINT32_MAX, "an id_t");
    case ParamType::PathOrFd:
      return unfit_range(value, INT_MIN, INT_MAX, "a C int");
    case ParamType::Args:
      return unfit_items(sequence(value), ParamType::FsString, "an os::Args item");
    case ParamType::Env:
      for (const auto& [key, item] : value.get_if<Dict>()->items)
        if (auto why = unfit(ParamType::FsString, item))
          return "the os::Env value of " + pyproc::detail::py_str_repr(key) + ": " + *why;
      return std::nullopt;
    case ParamType::Handler: {
      if (const auto* object = value.get_if<ObjectPtr>()) {
        const auto* hook = dynamic_cast<const HookObject*>(object->get());
        if (!hook) return "C++ takes SIG_DFL, SIG_IGN or a hook, not " + describe(value);
        if (!hook->raises.empty())
          return "a C++ signal handler cannot raise " + hook->raises + " (hook " +
                 pyproc::detail::py_str_repr(hook->name) + ")";
        return std::nullopt;
      }
      const auto n = integer(value);
      if (*n != 0 && *n != 1) return "C++ takes SIG_DFL (0) or SIG_IGN (1), not " + describe(value);
      return std::nullopt;
    }
    case ParamType::Hook:
      if (!dynamic_cast<const HookObject*>(value.get_if<ObjectPtr>()->get()))
        return std::string("C++ takes ") + cpp_type(type) + ", not " + describe(value);
      return std::nullopt;
    case ParamType::Command:
      if (value.get_if<List>() || value.get_if<Tuple>())
        return unfit_items(sequence(value), ParamType::FsString, "a subprocess::Command item");
      return std::nullopt;
    case ParamType::IntList:
      return unfit_items(sequence(value), ParamType::Int, "a pass_fds item");
    case ParamType::NameOrIdList:
      return unfit_items(sequence(value), ParamType::NameOrId, "an extra_groups item");
    case ParamType::Stream:
      if (value.get_if<ObjectPtr>()) return std::nullopt;  // its fileno(), when run
      return unfit_range(value, INT_MIN, INT_MAX, "a C int");
    case ParamType::NameOrId:
    case ParamType::FsString:
    case ParamType::Str:
    case ParamType::Bool:
    case ParamType::Truth:
    case ParamType::Number:
    case ParamType::Data:
    case ParamType::Ignored:
      return std::nullopt;
  }
  return std::nullopt;
}

namespace {

// The digits of the first int beyond 64 bits `value` holds, or nullptr.
const std::string* big_int_in(const PyValue& value) {
  if (const auto* big = value.get_if<BigInt>()) return &big->digits;
  const std::vector<PyValue>* items = nullptr;
  if (const auto* list = value.get_if<List>()) items = &list->items;
  if (const auto* tuple = value.get_if<Tuple>()) items = &tuple->items;
  if (items)
    for (const auto& item : *items)
      if (const auto* big = big_int_in(item)) return big;
  if (const auto* dict = value.get_if<Dict>())
    for (const auto& [key, item] : dict->items)
      if (const auto* big = big_int_in(item)) return big;
  return nullptr;
}

}  // namespace

std::variant<Bound, std::string> bind_arguments(
    const std::string& function, const Signature& signature, const std::vector<PyValue>& args,
    const std::vector<std::pair<std::string, PyValue>>& kwargs) {
  const auto arity = [&] {
    return function + " takes (" + names(signature) + ") in C++; the case passes " +
           std::to_string(args.size()) + " positional and " + std::to_string(kwargs.size()) +
           " keyword arguments";
  };
  // An int beyond 64 bits (§5.3) reaches no C++ parameter, wherever it is.
  for (const auto& value : args)
    if (const auto* big = big_int_in(value)) return beyond_64_bits(*big);
  for (const auto& [name, value] : kwargs)
    if (const auto* big = big_int_in(value)) return beyond_64_bits(*big);
  Bound bound;
  std::vector<std::optional<PyValue>> given(signature.params.size());
  size_t used = 0;
  if (signature.keyword_only && !args.empty()) return arity();
  for (; used < args.size() && used < given.size(); ++used) given[used] = args[used];
  std::vector<PyValue> extra(args.begin() + static_cast<std::ptrdiff_t>(used), args.end());
  if (signature.env_last) {
    if (extra.empty()) return arity();
    bound.env = extra.back();
    extra.pop_back();
  }
  if (!extra.empty() && !signature.rest) return arity();
  bound.rest = std::move(extra);
  for (const auto& [name, value] : kwargs) {
    size_t i = 0;
    while (i < given.size() && signature.params[i].name != name) ++i;
    if (!signature.keywords || i == given.size() || given[i]) return arity();
    given[i] = value;
  }
  for (size_t i = 0; i < given.size(); ++i) {
    const Param& param = signature.params[i];
    if (!given[i] && !param.default_value) return arity();
    bound.params.push_back(given[i] ? *given[i] : *param.default_value);
    bound.given.push_back(given[i].has_value());
    // A default is the function's own (None for a hook not given), not a
    // value the case passes.
    if (!given[i] || (param.or_none && given[i]->is_none())) continue;
    if (auto why = unfit(param.type, bound.params.back()))
      return function + " argument " + param.name + ": " + *why;
  }
  if (signature.rest)
    for (const PyValue& value : bound.rest)
      if (auto why = unfit(*signature.rest, value)) return function + " argument: " + *why;
  if (signature.env_last)
    if (auto why = unfit(ParamType::Env, bound.env)) return function + " argument env: " + *why;
  return bound;
}

int to_int(const PyValue& value) {
  require_fit(ParamType::Int, value);
  return static_cast<int>(*integer(value));
}

int to_fd(const PyValue& value) {
  if (const auto* object = value.get_if<ObjectPtr>()) {
    if (auto fd = (*object)->fileno()) return *fd;
    throw Unexpressible(describe(value) + " is not a file: C++ takes an int fd");
  }
  return to_int(value);
}

id_t to_id(const PyValue& value) {
  require_fit(ParamType::Id, value);
  return static_cast<id_t>(*integer(value));
}

std::string to_string(const PyValue& value) {
  require_fit(ParamType::FsString, value);
  return fs_string(value);
}

os::Args to_args(const PyValue& value) {
  require_fit(ParamType::Args, value);
  os::Args args;
  for (const PyValue& item : sequence(value)) args.push_back(fs_string(item));
  return args;
}

os::Env to_env(const PyValue& value) {
  require_fit(ParamType::Env, value);
  os::Env env;
  for (const auto& [key, item] : value.get_if<Dict>()->items) env[key] = fs_string(item);
  return env;
}

}  // namespace pyproc::driver

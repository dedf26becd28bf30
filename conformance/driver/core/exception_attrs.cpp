#include "core/exception_attrs.hpp"

#include <optional>
#include <stdexcept>
#include <string>

#include "core/exception_identity.hpp"
#include "core/py_value.hpp"
#include "core/registry.hpp"
#include "core/values.hpp"

namespace pyproc::driver {
namespace {

using nlohmann::json;

std::optional<PyValue> os_error_attribute(const OSError& e, const std::string& name) {
  if (name == "errno") return PyValue(Int{e.errno_value()});
  if (name == "strerror") return PyValue(e.strerror());
  if (name == "filename") {
    // A str name is kept as it is; a bytes name or a descriptor only as
    // Python's repr of that object, which is read back.
    if (e.filename()) return PyValue(*e.filename());
    if (e.filename_repr()) return from_repr(*e.filename_repr());
    return PyValue();
  }
  return std::nullopt;
}

// Whether the step's call asked for text (text=True, or an encoding or
// errors given, as Popen's text_mode): CalledProcessError then carries str
// output, as CPython decodes it before raising.
bool asks_for_text(const json& step) {
  const json kwargs = step.value("kwargs", json::object());
  if (!kwargs.is_object()) return false;
  const auto given = [&kwargs](const char* name) {
    return kwargs.contains(name) && !kwargs.at(name).is_null();
  };
  return kwargs.value("text", json(false)) == json(true) ||
         kwargs.value("universal_newlines", json(false)) == json(true) || given("encoding") ||
         given("errors");
}

// e.<name>, or std::nullopt where pyproc's exception has no such attribute.
std::optional<PyValue> attribute(const BaseException& e, const std::string& name,
                                 const json& step) {
  if (const auto* os_error = dynamic_cast<const OSError*>(&e))
    return os_error_attribute(*os_error, name);
  for (const ExceptionAttribute& family : registry().exception_attributes)
    if (auto value = family(e, name, asks_for_text(step))) return value;
  return std::nullopt;
}

}  // namespace

json raised_observation(const json& step, const BaseException& e) {
  const ExceptionIdentity identity = identify(e);
  json observation = raised(e.type_name(), e.what(), identity.class_name, identity.bases);
  if (!step.contains("exception_attrs")) return observation;
  json attrs = json::array();
  for (const json& name : step.at("exception_attrs")) {
    const auto value = attribute(e, name.get<std::string>(), step);
    attrs.push_back({name, value ? encode(*value) : json(nullptr)});
  }
  observation["raised"]["attrs"] = attrs;
  return observation;
}

void raise_named(const std::string& type, const std::string& message) {
  if (type == "RuntimeError") throw RuntimeError(message);
  if (type == "ValueError") throw ValueError(message);
  if (type == "TypeError") throw TypeError(message);
  if (type == "Exception") throw Exception(message);
  if (type == "KeyboardInterrupt") throw KeyboardInterrupt(message);
  throw std::invalid_argument("raise: unsupported exception type \"" + type + "\"");
}

}  // namespace pyproc::driver

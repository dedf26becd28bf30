// Looking up the names a case calls (spec/protocol.md §4.11) in the registry
// the families filled (registry.hpp), and the names of the signal module,
// which every family's cases use to set scenes.
#include "core/functions.hpp"

#include "core/registry.hpp"
#include "core/signal_names.hpp"
#include "pyproc/exceptions.hpp"

namespace pyproc::driver {
namespace {

// signal.SIG*, and signal.signal's handlers as CPython numbers them (an IntEnum).
const std::map<std::string, std::int64_t>& signal_constants() {
  static const std::map<std::string, std::int64_t> table = [] {
    std::map<std::string, std::int64_t> t = {{"signal.SIG_DFL", 0}, {"signal.SIG_IGN", 1}};
    for (const std::string& name : signal_names())
      if (auto number = find_signal(name)) t["signal." + name] = *number;
    return t;
  }();
  return table;
}

}  // namespace

Registry& registry() {
  static Registry the_registry;
  return the_registry;
}

Lookup lookup(const std::string& dotted) {
  const Registry& r = registry();
  Lookup found;
  if (auto it = r.functions.find(dotted); it != r.functions.end()) {
    found.function = &it->second;
  } else if (auto c = r.constants.find(dotted); c != r.constants.end()) {
    found.constant = c->second;
  } else if (auto s = signal_constants().find(dotted); s != signal_constants().end()) {
    found.constant = s->second;
  } else if (r.absent.count(dotted)) {
    found.absent = true;
  }
  return found;
}

const Function* find_method(const PyValue& self, const std::string& name) {
  for (const MethodFinder& finder : registry().methods)
    if (const Function* method = finder(self, name)) return method;
  return nullptr;
}

ForkResult fork_process(bool pty) {
  if (!registry().fork) throw std::logic_error("no family registered the fork op's call");
  return registry().fork(pty);
}

void raise_absent(const std::string& dotted) {
  const auto dot = dotted.find('.');
  throw AttributeError("module '" + dotted.substr(0, dot) + "' has no attribute '" +
                       dotted.substr(dot + 1) + "'");
}

std::optional<std::string> unsupported_name(const std::string& dotted) {
  const Lookup found = lookup(dotted);
  if (!found.present() && !found.absent) return "the C++ driver knows no " + dotted;
  return std::nullopt;
}

}  // namespace pyproc::driver

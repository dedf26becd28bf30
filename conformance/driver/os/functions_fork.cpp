// os.fork(), os.forkpty() (the `fork` op's call) and os.register_at_fork(),
// on pyproc::os's (pyproc/os/fork.hpp).
#include <memory>

#include "core/exception_attrs.hpp"
#include "core/hooks.hpp"
#include "os/functions.hpp"
#include "os/objects.hpp"
#include "pyproc/os/fork.hpp"

namespace pyproc::driver {

namespace {

using P = ParamType;

// A {"hook": name} expression as pyproc's ForkHook: it logs its name in the
// process running it, then raises what the case asks for; its repr is the
// protocol's, as pyproc prints it when the hook raises.
os::ForkHook fork_hook(const PyValue& value) {
  if (value.is_none()) return {};
  const auto hook = std::static_pointer_cast<HookObject>(std::get<ObjectPtr>(value.v));
  return {[hook] {
            hooks::append(hook->name.c_str());
            if (!hook->raises.empty()) raise_named(hook->raises, hook->name);
          },
          *hook->repr()};
}

}  // namespace

ForkResult fork_with_os(bool pty) {
  if (!pty) return ForkResult{os::fork(), -1};
  const auto [pid, fd] = os::forkpty();
  return ForkResult{pid, fd};
}

void add_fork_functions(Table& t) {
  // Keyword-only in Python; pyproc takes them in the order before,
  // after_in_parent, after_in_child, where an empty hook is "not given".
  const PyValue absent;
  t["os.register_at_fork"] = function(
      {.params = {{"before", P::Hook, absent},
                  {"after_in_parent", P::Hook, absent},
                  {"after_in_child", P::Hook, absent}},
       .keywords = true,
       .keyword_only = true},
      [](const Bound& a, const PyValue&) {
        os::register_at_fork(fork_hook(a.params[0]), fork_hook(a.params[1]),
                             fork_hook(a.params[2]));
        return PyValue();
      },
      nothing());
}

}  // namespace pyproc::driver

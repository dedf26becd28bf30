// The hook log of spec/protocol.md §4.9: a {"hook": name} callable appends
// its name to the log of the process that calls it, and `hook_log` reads what
// this process appended since its previous `hook_log`. Hooks are called from
// signal handlers (signal.signal), so appending is async-signal-safe: a
// fixed array in this process's memory, filled with an atomic index. A fork
// copies the log, as it copies CPython's list.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/py_value.hpp"

namespace pyproc::driver {

// A {"hook": name} expression (§4.9): a callable that appends `name` to the
// hook log of the process running it; `raises` names the exception type it
// then raises ("" for none). Its repr is fixed by the protocol.
class HookObject : public Object {
 public:
  HookObject(std::string name, std::string raises)
      : name(std::move(name)), raises(std::move(raises)) {}
  [[nodiscard]] std::string type_name() const override { return "Hook"; }
  [[nodiscard]] std::optional<std::string> repr() const override { return "<hook " + name + ">"; }
  const std::string name;
  const std::string raises;
};

}  // namespace pyproc::driver

namespace pyproc::driver::hooks {

// Appends `name` (which must outlive the process's use of the log).
void append(const char* name) noexcept;

// The names the running process appended since the previous call.
std::vector<std::string> read_new();

// signal.signal(signum, handler): `handler` is SIG_DFL (0), SIG_IGN (1) or a
// HookObject (called as the signal's handler, with SA_RESTART). Returns the
// previous handler as the protocol encodes it: 0, 1, the hook installed
// before, or None for a handler this driver did not install. Raises the
// OSError of sigaction (EINVAL for SIGKILL).
PyValue set_signal_handler(int signum, const PyValue& handler);

}  // namespace pyproc::driver::hooks

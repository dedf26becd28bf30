// os.register_at_fork() (Modules/posixmodule.c: os_register_at_fork_impl):
// the user's hooks, wrapped for the lists of core/at_fork.hpp that every
// forking launch runs.
#include <memory>
#include <string>
#include <utility>

#include "core/at_fork.hpp"
#include "core/traceback.hpp"
#include "pyproc/exceptions.hpp"
#include "pyproc/os/fork.hpp"

namespace pyproc::os {
namespace {

// Shared by every copy of a list taken to run it, so the registered callable
// itself runs (its state may change between forks), not a copy of it.
class RegisteredHook final : public pyproc::detail::AtForkHook {
 public:
  explicit RegisteredHook(ForkHook hook) : hook_(std::move(hook)) {}
  void operator()() const override { hook_(); }
  [[nodiscard]] std::string repr() const override { return hook_.repr(); }

 private:
  ForkHook hook_;
};

std::shared_ptr<const pyproc::detail::AtForkHook> wrap(ForkHook& hook) {
  if (!hook) return nullptr;
  return std::make_shared<const RegisteredHook>(std::move(hook));
}

}  // namespace

std::string ForkHook::repr() const {
  if (!repr_.empty()) return repr_;
  return "<function " + pyproc::detail::demangle(*type_) + ">";  // type_ is set in every hook given
}

// All three checked before any is registered.
void register_at_fork(ForkHook before, ForkHook after_in_parent, ForkHook after_in_child) {
  if (!before && !after_in_parent && !after_in_child) {
    throw TypeError("At least one argument is required.");
  }
  pyproc::detail::add_at_fork_hooks(wrap(before), wrap(after_in_parent), wrap(after_in_child));
}

}  // namespace pyproc::os

#include "core/hooks.hpp"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>

#include "core/hooks.hpp"
#include "pyproc/exceptions.hpp"

namespace pyproc::driver::hooks {
namespace {

struct Entry {
  pid_t pid;
  const char* name;
};

// More than any case calls hooks; entries beyond it are dropped (and
// hook_log then shows fewer names, which a case would notice).
constexpr size_t kCapacity = 4096;
std::array<Entry, kCapacity> g_entries;
std::atomic<size_t> g_size{0};
size_t g_read = 0;  // this process's position (a fork copies it)

// The hook each signal runs; the objects stay alive as long as they are
// installed, so the handler may read their names.
std::array<std::atomic<const char*>, NSIG> g_handler_names{};
std::array<ObjectPtr, NSIG> g_installed{};

void on_signal(int signum) {
  const int saved = errno;
  if (const char* name = g_handler_names[static_cast<size_t>(signum)].load()) append(name);
  errno = saved;
}

}  // namespace

void append(const char* name) noexcept {
  const size_t index = g_size.fetch_add(1);
  if (index < kCapacity) g_entries[index] = {::getpid(), name};
}

std::vector<std::string> read_new() {
  const pid_t me = ::getpid();
  const size_t size = std::min(g_size.load(), kCapacity);
  std::vector<std::string> names;
  for (size_t i = g_read; i < size; ++i)
    if (g_entries[i].pid == me) names.emplace_back(g_entries[i].name);
  g_read = size;
  return names;
}

PyValue set_signal_handler(int signum, const PyValue& handler) {
  struct sigaction action {};
  struct sigaction old {};
  ObjectPtr hook;
  if (const auto* object = handler.get_if<ObjectPtr>()) {
    hook = *object;
    action.sa_handler = on_signal;
    action.sa_flags = SA_RESTART;
  } else {
    action.sa_handler = std::get<Int>(handler.v).value == 0 ? SIG_DFL : SIG_IGN;
  }
  sigemptyset(&action.sa_mask);
  if (signum <= 0 || signum >= NSIG) raise_os_error(EINVAL);
  const auto slot = static_cast<size_t>(signum);
  // The name first: the handler may run as soon as sigaction returns.
  const char* previous_name = g_handler_names[slot].exchange(
      hook ? static_cast<const HookObject&>(*hook).name.c_str() : nullptr);
  if (::sigaction(signum, &action, &old) != 0) {
    const int error = errno;
    g_handler_names[slot] = previous_name;
    raise_os_error(error);
  }
  PyValue previous;
  if (old.sa_handler == on_signal)
    previous = g_installed[slot];
  else if (old.sa_handler == SIG_DFL)
    previous = Int{0};
  else if (old.sa_handler == SIG_IGN)
    previous = Int{1};
  g_installed[slot] = hook;
  return previous;
}

}  // namespace pyproc::driver::hooks

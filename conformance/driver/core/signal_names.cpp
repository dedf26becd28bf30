#include "core/signal_names.hpp"

#include <signal.h>

#include <map>
#include <stdexcept>

namespace pyproc::driver {
namespace {

// Every name CPython 3.11's signal module has on Linux, aliases included
// (oracle/casefile.py LINUX_SIGNALS is the same list). SIGRTMIN and SIGRTMAX
// are not constants with glibc (it keeps the first real-time signals for
// itself), so they are looked up when used.
const std::map<std::string, int>& fixed_signals() {
  static const std::map<std::string, int> names = {
      {"SIGABRT", SIGABRT},     {"SIGALRM", SIGALRM},     {"SIGBUS", SIGBUS},
      {"SIGCHLD", SIGCHLD},     {"SIGCLD", SIGCHLD},      {"SIGCONT", SIGCONT},
      {"SIGFPE", SIGFPE},       {"SIGHUP", SIGHUP},       {"SIGILL", SIGILL},
      {"SIGINT", SIGINT},       {"SIGIO", SIGIO},         {"SIGIOT", SIGIOT},
      {"SIGKILL", SIGKILL},     {"SIGPIPE", SIGPIPE},     {"SIGPOLL", SIGPOLL},
      {"SIGPROF", SIGPROF},     {"SIGPWR", SIGPWR},       {"SIGQUIT", SIGQUIT},
      {"SIGSEGV", SIGSEGV},     {"SIGSTKFLT", SIGSTKFLT}, {"SIGSTOP", SIGSTOP},
      {"SIGSYS", SIGSYS},       {"SIGTERM", SIGTERM},     {"SIGTRAP", SIGTRAP},
      {"SIGTSTP", SIGTSTP},     {"SIGTTIN", SIGTTIN},     {"SIGTTOU", SIGTTOU},
      {"SIGURG", SIGURG},       {"SIGUSR1", SIGUSR1},     {"SIGUSR2", SIGUSR2},
      {"SIGVTALRM", SIGVTALRM}, {"SIGWINCH", SIGWINCH},   {"SIGXCPU", SIGXCPU},
      {"SIGXFSZ", SIGXFSZ}};
  return names;
}

// SIGRTMAX - SIGRTMIN with glibc: the largest offset a case may write.
constexpr int kRealTimeSpan = 30;

struct Offset {
  bool from_max;  // SIGRTMAX-N rather than SIGRTMIN+N
  int n;
};

// "SIGRTMIN+N" / "SIGRTMAX-N", N in 1..30 in decimal without leading zeros.
std::optional<Offset> real_time_offset(const std::string& name) {
  const bool from_min = name.starts_with("SIGRTMIN+");
  const bool from_max = name.starts_with("SIGRTMAX-");
  if (!from_min && !from_max) return std::nullopt;
  const std::string digits = name.substr(9);
  if (digits.empty() || digits.size() > 2 || digits[0] == '0') return std::nullopt;
  int n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n > kRealTimeSpan) return std::nullopt;
  return Offset{from_max, n};
}

}  // namespace

std::optional<std::string> signal_name_problem(const nlohmann::json& name) {
  if (name.is_string()) {
    const std::string text = name.get<std::string>();
    if (fixed_signals().count(text) || text == "SIGRTMIN" || text == "SIGRTMAX" ||
        real_time_offset(text))
      return std::nullopt;
  }
  return name.dump() +
         " is not a signal name (a name of CPython's signal module on Linux such as "
         "\"SIGUSR1\", or \"SIGRTMIN+N\" / \"SIGRTMAX-N\" with 1 <= N <= " +
         std::to_string(kRealTimeSpan) + ")";
}

std::vector<std::string> signal_names() {
  std::vector<std::string> names = {"SIGRTMIN", "SIGRTMAX"};
  for (const auto& [name, number] : fixed_signals()) names.push_back(name);
  return names;
}

std::optional<int> find_signal(const nlohmann::json& name) {
  if (auto problem = signal_name_problem(name)) throw std::invalid_argument(*problem);
  const std::string text = name.get<std::string>();
  if (auto it = fixed_signals().find(text); it != fixed_signals().end()) return it->second;
  if (text == "SIGRTMIN") return SIGRTMIN;
  if (text == "SIGRTMAX") return SIGRTMAX;
  const Offset offset = *real_time_offset(text);
  const int number = offset.from_max ? SIGRTMAX - offset.n : SIGRTMIN + offset.n;
  if (number < SIGRTMIN || number > SIGRTMAX) return std::nullopt;
  return number;
}

int signal_number(const nlohmann::json& name) {
  if (auto number = find_signal(name)) return *number;
  throw std::invalid_argument("signal " + name.dump() + " does not exist on this platform");
}

}  // namespace pyproc::driver

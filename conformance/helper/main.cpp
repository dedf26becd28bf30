// pyproc-helper: the small program every driver (the CPython oracle included)
// and pyproc's unit tests launch instead of system tools. Its behaviour is a
// sequence of actions given as arguments; the command line interface is
// normative and specified in spec/helper-program.md (version 1).
//
// Every line goes straight to fd 1 or 2 with write(2) (nothing is buffered,
// so stdout and stderr interleave in the order the actions ran), and is
// deterministic: no pid, path or time unless an action is about exactly that.
#include <fcntl.h>
#include <grp.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fds.hpp"
#include "output.hpp"

namespace helper {
namespace {

constexpr int kUsageError = 125;    // a bad command line: nothing has run
constexpr int kActionFailed = 126;  // a system call an action needs failed

[[noreturn]] void usage_error(const std::string& message) {
  write_line(STDERR_FILENO, "pyproc-helper: " + message);
  std::exit(kUsageError);
}

[[noreturn]] void action_failed(const std::string& what) {
  write_line(STDERR_FILENO, "pyproc-helper: " + what + ": " + std::strerror(errno));
  std::exit(kActionFailed);
}

std::optional<long long> parse_int(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return value;
}

int parse_fd(const std::string& text) {
  const auto value = parse_int(text);
  if (!value || *value < 0 || *value > 1 << 20) usage_error("not a file descriptor: " + text);
  return static_cast<int>(*value);
}

int parse_signal(const std::string& text) {
  if (const auto number = parse_int(text)) {
    if (*number < 1 || *number >= NSIG) usage_error("not a signal: " + text);
    return static_cast<int>(*number);
  }
  const int sig = signal_number(text);
  if (sig == 0) usage_error("not a signal: " + text);
  return sig;
}

void read_one_byte(int fd) {
  char byte;
  ssize_t n;
  do {
    n = ::read(fd, &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n < 0) action_failed("await " + std::to_string(fd));
}

void write_one_byte(int fd) {
  const char byte = 'n';
  ssize_t n;
  do {
    n = ::write(fd, &byte, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 1) action_failed("notify " + std::to_string(fd));
}

void copy_stdin_to_stdout() {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) action_failed("cat");
    if (n == 0) return;
    write_all(STDOUT_FILENO, std::string(buf, static_cast<std::size_t>(n)));
  }
}

void print_signal_sets() {
  sigset_t blocked;
  sigprocmask(SIG_BLOCK, nullptr, &blocked);
  std::string blocked_line = "blocked";
  std::string ignored_line = "ignored";
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sigismember(&blocked, sig) == 1) blocked_line += " " + signal_name(sig);
    struct sigaction action {};
    if (sigaction(sig, nullptr, &action) == 0 && action.sa_handler == SIG_IGN) {
      ignored_line += " " + signal_name(sig);
    }
  }
  write_line(STDOUT_FILENO, blocked_line);
  write_line(STDOUT_FILENO, ignored_line);
}

void print_stdio() {
  for (int fd = 0; fd <= 2; ++fd) {
    const bool open = ::fcntl(fd, F_GETFD) != -1;
    write_line(STDOUT_FILENO, "fd" + std::to_string(fd) + (open ? " open" : " closed"));
  }
}

// `ids`: the real user and group ids and the supplementary groups, sorted.
void print_ids() {
  std::vector<gid_t> groups(static_cast<std::size_t>(NGROUPS_MAX) + 1);
  const int n = ::getgroups(static_cast<int>(groups.size()), groups.data());
  if (n < 0) action_failed("ids");
  groups.resize(static_cast<std::size_t>(n));
  std::sort(groups.begin(), groups.end());
  std::string line =
      "uid " + std::to_string(::getuid()) + " gid " + std::to_string(::getgid()) + " groups";
  for (const gid_t gid : groups) line += " " + std::to_string(gid);
  write_line(STDOUT_FILENO, line);
}

// `umask`: the file mode creation mask, read by setting it and setting it
// back (the helper has one thread), as four octal digits.
void print_umask() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mask));
  write_line(STDOUT_FILENO, std::string("umask ") + buf);
}

void print_pipe_size(int fd) {
  const int size = ::fcntl(fd, F_GETPIPE_SZ);
  if (size < 0) action_failed("pipe-size " + std::to_string(fd));
  write_line(STDOUT_FILENO, "pipe-size " + std::to_string(fd) + " " + std::to_string(size));
}

void print_tty() {
  write_line(STDOUT_FILENO, std::string("stdin-tty ") + (::isatty(STDIN_FILENO) ? "yes" : "no"));
  // /dev/tty opens only for a process with a controlling terminal (ENXIO).
  const int tty = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (tty >= 0) ::close(tty);
  write_line(STDOUT_FILENO, std::string("ctty ") + (tty >= 0 ? "yes" : "no"));
}

// `fill`/`efill`: the first `count` bytes of the endless repetition of a
// 64-byte line, in writes of 64 KiB (bulk output for pipe tests).
void fill(int fd, long long count) {
  static const std::string kLine =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_\n";
  std::string chunk;
  for (int i = 0; i < 1024; ++i) chunk += kLine;
  for (long long left = count; left > 0;) {
    const auto n = static_cast<std::size_t>(std::min<long long>(left, chunk.size()));
    if (n == chunk.size()) {
      write_all(fd, chunk);  // no copy of the chunk per write
    } else {
      write_all(fd, chunk.substr(0, n));
    }
    left -= static_cast<long long>(n);
  }
}

void burn(long long iterations) {
  volatile std::uint64_t sink = 0;
  for (long long i = 0; i < iterations; ++i) sink = sink * 6364136223846793005ULL + 1;
}

// One action of the command line, checked before anything runs.
using Action = std::function<void()>;

struct Parser {
  const std::vector<std::string>& args;
  std::size_t next = 1;

  std::string operand(const std::string& action) {
    if (next >= args.size() || args[next] == "--") usage_error(action + ": missing argument");
    return args[next++];
  }
};

std::vector<Action> parse(const std::vector<std::string>& args) {
  Parser p{args};
  std::vector<Action> actions;
  while (p.next < args.size()) {
    const std::string word = args[p.next++];
    if (word == "--") break;  // the rest is data, seen only through `args`
    if (word == "argv0") {
      actions.emplace_back([&args] { write_line(STDOUT_FILENO, "argv0 " + quote(args.at(0))); });
    } else if (word == "args") {
      actions.emplace_back([&args] {
        write_line(STDOUT_FILENO, "args " + std::to_string(args.size() - 1));
        for (std::size_t i = 1; i < args.size(); ++i) {
          write_line(STDOUT_FILENO, "arg " + quote(args[i]));
        }
      });
    } else if (word == "env") {
      const std::string name = p.operand(word);
      actions.emplace_back([name] {
        const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
        write_line(STDOUT_FILENO, "env " + quote(name) + (value ? "=" + quote(value) : " missing"));
      });
    } else if (word == "cwd") {
      actions.emplace_back([] {
        char buf[4096];
        if (::getcwd(buf, sizeof buf) == nullptr) action_failed("cwd");
        write_line(STDOUT_FILENO, "cwd " + quote(buf));
      });
    } else if (word == "fds") {
      actions.emplace_back([] { print_open_fds(); });
    } else if (word == "stdio") {
      actions.emplace_back(print_stdio);
    } else if (word == "tty") {
      actions.emplace_back(print_tty);
    } else if (word == "signals") {
      actions.emplace_back(print_signal_sets);
    } else if (word == "pid") {
      actions.emplace_back([] { write_line(STDOUT_FILENO, "pid " + std::to_string(::getpid())); });
    } else if (word == "ppid") {
      actions.emplace_back(
          [] { write_line(STDOUT_FILENO, "ppid " + std::to_string(::getppid())); });
    } else if (word == "pgid") {
      actions.emplace_back(
          [] { write_line(STDOUT_FILENO, "pgid " + std::to_string(::getpgrp())); });
    } else if (word == "sid") {
      actions.emplace_back([] {
        const pid_t sid = ::getsid(0);
        if (sid < 0) action_failed("sid");
        write_line(STDOUT_FILENO, "sid " + std::to_string(sid));
      });
    } else if (word == "fd") {
      const int fd = parse_fd(p.operand(word));
      actions.emplace_back([fd] { print_fd(fd); });
    } else if (word == "umask") {
      actions.emplace_back(print_umask);
    } else if (word == "ids") {
      actions.emplace_back(print_ids);
    } else if (word == "pipe-size") {
      const int fd = parse_fd(p.operand(word));
      actions.emplace_back([fd] { print_pipe_size(fd); });
    } else if (word == "new-pgrp") {
      actions.emplace_back([] {
        if (::setpgid(0, 0) != 0) action_failed("new-pgrp");
      });
    } else if (word == "niceness") {
      actions.emplace_back([] {
        errno = 0;
        const int value = ::getpriority(PRIO_PROCESS, 0);
        if (value == -1 && errno != 0) action_failed("niceness");
        write_line(STDOUT_FILENO, "niceness " + std::to_string(value));
      });
    } else if (word == "exit") {
      const std::string text = p.operand(word);
      const auto code = parse_int(text);
      if (!code || *code < 0 || *code > 255) usage_error("exit: not a code from 0 to 255: " + text);
      actions.emplace_back([code = static_cast<int>(*code)] { ::_exit(code); });
    } else if (word == "kill") {
      const int sig = parse_signal(p.operand(word));
      actions.emplace_back([sig] { ::raise(sig); });
    } else if (word == "stop") {
      actions.emplace_back([] { ::raise(SIGSTOP); });
    } else if (word == "wait-signal") {
      actions.emplace_back([] {
        for (;;) ::pause();  // only a signal that ends the process ends this
      });
    } else if (word == "cat") {
      actions.emplace_back(copy_stdin_to_stdout);
    } else if (word == "print" || word == "write" || word == "eprint" || word == "ewrite") {
      std::string text = unescape(p.operand(word));
      if (word == "print" || word == "eprint") text += '\n';
      const int fd = word[0] == 'e' ? STDERR_FILENO : STDOUT_FILENO;
      actions.emplace_back([fd, text] { write_all(fd, text); });
    } else if (word == "fill" || word == "efill") {
      const std::string text = p.operand(word);
      const auto n = parse_int(text);
      if (!n || *n < 0) usage_error(word + ": not a count: " + text);
      const int fd = word[0] == 'e' ? STDERR_FILENO : STDOUT_FILENO;
      actions.emplace_back([fd, n = *n] { fill(fd, n); });
    } else if (word == "burn") {
      const std::string text = p.operand(word);
      const auto n = parse_int(text);
      if (!n || *n < 0) usage_error("burn: not a count: " + text);
      actions.emplace_back([n = *n] { burn(n); });
    } else if (word == "notify") {
      const int fd = parse_fd(p.operand(word));
      actions.emplace_back([fd] { write_one_byte(fd); });
    } else if (word == "await") {
      const int fd = parse_fd(p.operand(word));
      actions.emplace_back([fd] { read_one_byte(fd); });
    } else if (word == "close") {
      const int fd = parse_fd(p.operand(word));
      actions.emplace_back([fd] {
        if (::close(fd) != 0) action_failed("close " + std::to_string(fd));
      });
    } else if (word == "version") {
      actions.emplace_back([] { write_line(STDOUT_FILENO, "pyproc-helper 1"); });
    } else {
      usage_error("unknown action: " + quote(word));
    }
  }
  return actions;
}

}  // namespace
}  // namespace helper

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv, argv + argc);
  for (const helper::Action& action : helper::parse(args)) action();
  return 0;
}

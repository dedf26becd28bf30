// subprocess.Popen (Lib/subprocess.py, CPython 3.11, POSIX): __init__,
// poll(), wait(), send_signal(), __exit__, __del__ and __repr__, with the
// child waited for and signalled through a pidfd where one can be opened.
#include <poll.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX, not C
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <ctime>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/poll_timeout.hpp"
#include "core/syscalls.hpp"
#include "pyproc/os/wait.hpp"
#include "subprocess/popen_state.hpp"

namespace pyproc::subprocess {
namespace detail {

pyproc::detail::Syscalls& sys() { return pyproc::detail::syscalls(); }

namespace {

// CPython's _active: children whose Popen went away while they ran, reaped
// by the next Popen (_cleanup()).
struct Abandoned {
  pid_t pid;
  OwnedFd pidfd;
};
std::mutex& abandoned_mutex() {
  static std::mutex mutex;
  return mutex;
}
std::vector<Abandoned>& abandoned() {
  static std::vector<Abandoned> children;
  return children;
}

// waitpid/waitid with WNOHANG: true once `pid` is gone (reaped now, or by
// someone else: ECHILD).
bool reaped_now(pid_t pid, const OwnedFd& pidfd) {
  if (pidfd) {
    siginfo_t info{};
    const int r = sys().waitid(P_PIDFD, static_cast<id_t>(pidfd.get()), &info, WEXITED | WNOHANG);
    return r < 0 ? errno == ECHILD : info.si_pid != 0;
  }
  int status;
  const pid_t r = sys().waitpid(pid, &status, WNOHANG);
  return r < 0 ? errno == ECHILD : r == pid;
}

void cleanup() {
  const std::lock_guard lock(abandoned_mutex());
  std::erase_if(abandoned(), [](const Abandoned& a) { return reaped_now(a.pid, a.pidfd); });
}

// The returncode of a waitid() result: the exit code, or -N for signal N.
int returncode_of(const siginfo_t& info) {
  const int status = info.si_status;
  return info.si_code == CLD_EXITED ? status : -status;
}

// CPython's Popen._wait() without a pidfd: sleeps of 1 ms doubling up to
// 50 ms (never past the deadline).
void back_off(double& delay, double remaining) {
  delay = std::min(delay * 2, 0.05);
  if (remaining < delay) delay = remaining;  // false for nan, as Python's min()
  const double whole = std::floor(delay);
  const timespec pause{static_cast<time_t>(whole), static_cast<long>((delay - whole) * 1e9)};
  ::nanosleep(&pause, nullptr);  // an interruption only shortens one sleep
}

// The poll(2) timeout for `remaining` seconds: blocking for inf and nan
// (which never expire in CPython either), at most INT_MAX ms at a time.
int pidfd_poll_ms(double remaining) {
  if (!std::isfinite(remaining)) return -1;
  return static_cast<int>(std::min(std::ceil(remaining * 1e3), static_cast<double>(INT_MAX)));
}

}  // namespace

[[noreturn]] void unexpected_keyword(const char* name) {
  throw TypeError(std::string("Popen.__init__() got an unexpected keyword argument '") + name +
                  "'");
}

bool PopenState::try_wait_locked(bool block) {
  if (returncode()) return true;
  if (uses_pidfd) {
    siginfo_t info{};
    const int flags = WEXITED | (block ? 0 : WNOHANG);
    int r;
    while ((r = sys().waitid(P_PIDFD, static_cast<id_t>(pidfd.get()), &info, flags)) < 0 &&
           errno == EINTR) {
    }
    if (r < 0) {
      // Reaped by someone else (or SIGCHLD ignored): CPython reports 0.
      if (errno != ECHILD) raise_os_error(errno);
      set_returncode(0);
    } else if (info.si_pid != 0) {
      set_returncode(returncode_of(info));
    }
    release_pidfd_locked();
    return returncode().has_value();
  }
  int status = 0;
  pid_t r;
  while ((r = sys().waitpid(pid, &status, block ? 0 : WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r < 0) {
    if (errno != ECHILD) raise_os_error(errno);
    set_returncode(0);
  } else if (r == pid) {
    set_returncode(os::waitstatus_to_exitcode(status));
  }
  return returncode().has_value();
}

void PopenState::await_end(std::unique_lock<std::mutex>& lock, std::optional<double> remaining) {
  pollfd ended{pidfd.get(), POLLIN, 0};
  const int ms = remaining ? pidfd_poll_ms(*remaining) : -1;
  ++pidfd_waiters;
  lock.unlock();
  const int r = sys().poll(&ended, 1, ms);
  const int error = errno;
  lock.lock();
  --pidfd_waiters;
  release_pidfd_locked();
  if (r < 0 && error != EINTR) raise_os_error(error);
}

void PopenState::release_pidfd_locked() {
  if (returncode() && pidfd_waiters == 0) pidfd.reset();
}

}  // namespace detail

using detail::PopenState;

Popen::Popen(const Command& args, const Options& options)
    : Popen(args, options, refuse_run_options(options)) {}

detail::Streams Popen::refuse_run_options(const Options& options) {
  if (options.input) detail::unexpected_keyword("input");
  if (options.capture_output) detail::unexpected_keyword("capture_output");
  if (options.check) detail::unexpected_keyword("check");
  if (options.timeout) detail::unexpected_keyword("timeout");
  return {options.stdin, options.stdout, options.stderr};
}

Popen::Popen(const Command& args, const Options& options, const detail::Streams& streams) {
  detail::cleanup();
  if (options.text && options.universal_newlines && *options.text != *options.universal_newlines) {
    throw SubprocessError(
        "Cannot disambiguate when both text and universal_newlines are supplied but different. "
        "Pass one or the other.");
  }
  auto state = std::make_unique<PopenState>(args);
  state->text_mode = options.text_mode();
  const detail::Credentials credentials = detail::resolve_credentials(options);
  detail::Handles handles(streams.stdin, streams.stdout, streams.stderr, options.pipesize);
  // The file objects are made before the launch (an unknown encoding is a
  // LookupError then); if the launch fails they close the parent's ends.
  if (handles.parent_end(0)) {
    state->stdin = detail::make_pipe_file(std::move(handles.parent_end(0)), false, options);
  }
  if (handles.parent_end(1)) {
    state->stdout = detail::make_pipe_file(std::move(handles.parent_end(1)), true, options);
  }
  if (handles.parent_end(2)) {
    state->stderr = detail::make_pipe_file(std::move(handles.parent_end(2)), true, options);
  }
  state->pid = detail::execute_child(args, options, credentials, handles);
  // Refused by seccomp (EPERM) or an old kernel (ENOSYS), or out of fds:
  // then the pid serves, as in CPython.
  state->pidfd = detail::OwnedFd(detail::sys().pidfd_open(state->pid, 0));
  state->uses_pidfd = static_cast<bool>(state->pidfd);
  state_ = std::move(state);
}

Popen::~Popen() {
  if (!state_) return;
  PopenState& s = *state_;
  // The file objects go with the Popen unless held elsewhere
  // (IOBase.__del__ closes them).
  s.stdin.reset();
  s.stdout.reset();
  s.stderr.reset();
  try {
    poll();
  } catch (...) {  // NOLINT(bugprone-empty-catch): __del__ reports nothing
  }
  if (s.returncode()) return;
  // Still running: kept to be reaped by the next Popen.
  const std::lock_guard lock(detail::abandoned_mutex());
  detail::abandoned().push_back({s.pid, std::move(s.pidfd)});
}

Popen::Popen(Popen&& other) noexcept = default;

Popen& Popen::operator=(Popen&& other) noexcept {
  if (this != &other) {
    Popen old(std::move(*this));  // ends as ~Popen() ends it
    state_ = std::move(other.state_);
  }
  return *this;
}

PopenState& Popen::state() const {
  if (!state_) throw ValueError("Popen object was moved from");
  return *state_;
}

const Command& Popen::args() const { return state().args; }
pid_t Popen::pid() const { return state().pid; }
bool Popen::text_mode() const { return state().text_mode; }
const std::shared_ptr<PipeFile>& Popen::stdin() const { return state().stdin; }
const std::shared_ptr<PipeFile>& Popen::stdout() const { return state().stdout; }
const std::shared_ptr<PipeFile>& Popen::stderr() const { return state().stderr; }

std::optional<int> Popen::returncode() const { return state().returncode(); }

std::optional<int> Popen::poll() {
  PopenState& s = state();
  // Someone else is reaping: nothing is known yet (CPython's acquire(False)).
  const std::unique_lock lock(s.waitpid_lock, std::try_to_lock);
  if (!lock.owns_lock()) return s.returncode();
  s.try_wait_locked(false);
  return s.returncode();
}

int Popen::wait(std::optional<Timeout> timeout) {
  PopenState& s = state();
  if (const auto code = s.returncode()) return *code;
  const std::optional<double> endtime =
      timeout ? std::optional<double>(pyproc::detail::monotonic() + timeout->seconds())
              : std::nullopt;
  double delay = 0.0005;
  for (;;) {
    // With a pidfd nobody blocks while holding the lock: the wait is a
    // poll() of the pidfd, outside it. Without one, CPython's way: a
    // blocking waitpid() with the lock held, or, with a timeout, a look
    // whenever the lock is free.
    std::unique_lock lock(s.waitpid_lock, std::defer_lock);
    if (s.uses_pidfd || !timeout) {
      lock.lock();
    } else {
      (void)lock.try_lock();
    }
    if (lock.owns_lock() && s.try_wait_locked(!s.uses_pidfd && !timeout)) return *s.returncode();
    if (const auto code = s.returncode()) return *code;
    std::optional<double> remaining;
    if (endtime) {
      remaining = *endtime - pyproc::detail::monotonic();
      if (*remaining <= 0) throw TimeoutExpired(s.args, *timeout);
    }
    if (s.uses_pidfd) {
      s.await_end(lock, remaining);
    } else {
      if (lock.owns_lock()) lock.unlock();
      detail::back_off(delay, *remaining);
    }
  }
}

void Popen::send_signal(int signal) {
  PopenState& s = state();
  // bpo-38630: poll first, so that a child already reaped is not signalled.
  poll();
  int r;
  if (s.uses_pidfd) {
    // Under the lock, so that the pidfd is not closed meanwhile; a child
    // reaped since is not signalled (the pidfd would refuse it anyway).
    const std::lock_guard lock(s.waitpid_lock);
    if (s.returncode()) return;
    r = detail::sys().pidfd_send_signal(s.pidfd.get(), signal);
  } else {
    if (s.returncode()) return;
    r = detail::sys().kill(s.pid, signal);
  }
  if (r != 0 && errno != ESRCH) raise_os_error(errno);
}

void Popen::terminate() { send_signal(SIGTERM); }
void Popen::kill() { send_signal(SIGKILL); }

void Popen::exit() {
  PopenState& s = state();
  if (s.stdout) s.stdout->close();
  if (s.stderr) s.stderr->close();
  try {
    if (s.stdin) s.stdin->close();  // flushing may raise
  } catch (...) {
    wait();
    throw;
  }
  wait();
}

std::string Popen::repr() const {
  const PopenState& s = state();
  const std::optional<int> code = returncode();
  std::string text = "<Popen: returncode: " + (code ? std::to_string(*code) : "None") +
                     " args: " + s.args.repr() + ">";
  // obj_repr[:76] + "...>" when longer than 80 characters (code points).
  std::size_t characters = 0;
  std::size_t cut = std::string::npos;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0U) == 0x80U) continue;
    if (characters == 76) cut = i;
    ++characters;
  }
  if (characters > 80) text = text.substr(0, cut) + "...>";
  return text;
}

Communicated Popen::communicate(std::optional<std::string_view> input,
                                std::optional<Timeout> timeout) {
  return detail::communicate(state(), *this, input, timeout);
}

}  // namespace pyproc::subprocess

#include "isolated_run.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <string_view>
#include <utility>

#include "live_cases.hpp"
#include "process_tree.hpp"
#include "programs.hpp"

namespace pyproc::harness {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  [[nodiscard]] int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read, write;
};

bool make_pipe(Pipe& pipe, bool nonblocking_read) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  pipe.read.reset(fds[0]);
  pipe.write.reset(fds[1]);
  return !nonblocking_read || ::fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0;
}

// Whatever the case asks for, it gets at most a week: longer means "never",
// and a deadline that far out cannot overflow the clock.
Clock::time_point deadline_after(double seconds) {
  constexpr double kLongest = 7 * 24 * 3600.0;
  if (!(seconds > 0)) seconds = 0;  // NaN too
  if (seconds > kLongest) seconds = kLongest;
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

int milliseconds_until(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

// Reads what is available on `fd` into `into`, keeping at most `cap` bytes:
// the first ones (`keep_tail` false; `overflow` is set when more came) or the
// last ones. Returns false at end of file.
bool drain(int fd, std::string& into, std::size_t cap, bool keep_tail, bool& overflow) {
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return true;  // EAGAIN: nothing more for now
    if (n == 0) return false;
    into.append(buffer, static_cast<std::size_t>(n));
    if (into.size() <= cap) continue;
    if (keep_tail) {
      into.erase(0, into.size() - cap);
    } else {
      into.resize(cap);
      overflow = true;
      return true;
    }
  }
}

// ---- starting the warden ---------------------------------------------------

struct WardenPlan {
  const char* path;
  const char* working_directory;  // nullptr: the harness's
  char* const* argv;
  char* const* envp;
  int out, err, report, lifeline;
  int exec_error = -1;  // set per attempt by start_warden()
  // Namespace mode (§8): what the clone's child sets up before it execs.
  const char* uid_map;          // "U U 1\n": the harness's own ids, in a user namespace
  const char* gid_map;          // "G G 1\n"
  const char* last_pid;         // the namespace's ns_last_pid (its pids start above it)
  const char* const* writable;  // null-terminated: the only paths the driver may write
};

// Why the clone's child did not exec the warden: the step, and errno.
struct SetupFailure {
  int step = 0;
  int error = 0;
};
constexpr const char* kSetupSteps[] = {"exec",
                                       "chdir",
                                       "write /proc/self/uid_map or gid_map",
                                       "mount --make-rprivate /",
                                       "mount_setattr / read-only",
                                       "bind-mount a writable path",
                                       "mount /proc"};

[[noreturn]] void setup_failed(int step) {
  const SetupFailure failure{step, errno};
  (void)!::write(5, &failure, sizeof failure);
  ::_exit(127);
}

bool write_text(const char* path, const char* text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const auto length = std::strlen(text);
  const bool ok = ::write(fd, text, length) == static_cast<ssize_t>(length);
  ::close(fd);
  return ok;
}

// Namespace mode, in the clone's child (pid 1 of the new PID namespace, in a
// mount namespace of its own, and for a harness that is not root in a user
// namespace of its own, where it has the capabilities the setup needs until
// it execs the warden): the driver's read-only view of the machine, and a
// /proc of the namespace.
void prepare_namespace(const WardenPlan& plan, bool user_namespace) {
  // The harness is not dumpable (§8), which makes /proc/self root's: this
  // child writes its own maps before anything of the case exists.
  if (user_namespace) ::prctl(PR_SET_DUMPABLE, 1);
  if (user_namespace && (!write_text("/proc/self/setgroups", "deny") ||
                         !write_text("/proc/self/uid_map", plan.uid_map) ||
                         !write_text("/proc/self/gid_map", plan.gid_map)))
    setup_failed(2);
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) setup_failed(3);
  mount_attr read_only{};
  read_only.attr_set = MOUNT_ATTR_RDONLY;
  if (::syscall(SYS_mount_setattr, AT_FDCWD, "/", AT_RECURSIVE, &read_only, sizeof read_only) != 0)
    setup_failed(4);
  mount_attr writable{};
  writable.attr_clr = MOUNT_ATTR_RDONLY;
  for (const char* const* path = plan.writable; *path; ++path) {
    if (::access(*path, F_OK) != 0) continue;  // /dev/mqueue need not exist
    if (::mount(*path, *path, nullptr, MS_BIND | MS_REC, nullptr) != 0 ||
        ::syscall(SYS_mount_setattr, AT_FDCWD, *path, AT_RECURSIVE, &writable, sizeof writable) !=
            0)
      setup_failed(5);
  }
  // /proc of the namespace, so that /proc/<pid> and the pids the case sees
  // agree; its pids start at a random point of the upper range, not at 2
  // (small numbers would be taken for pids inside strings, §6).
  if (::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    setup_failed(6);
  (void)write_text("/proc/sys/kernel/ns_last_pid", plan.last_pid);
}

// The child of clone3, before exec: only async-signal-safe calls, on data
// prepared by the parent (another thread of the harness may hold any lock).
[[noreturn]] void exec_warden(const WardenPlan& plan, bool namespaced, bool user_namespace) {
  // Move every source out of the way first, so that no dup2 below can
  // overwrite one not yet placed.
  const int sources[] = {plan.out, plan.err, plan.report, plan.lifeline, plan.exec_error};
  int high[5];
  for (int i = 0; i < 5; ++i) high[i] = ::fcntl(sources[i], F_DUPFD_CLOEXEC, 10);
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ::dup2(devnull, 0);
  ::dup2(high[0], 1);
  ::dup2(high[1], 2);
  ::dup2(high[2], 3);
  ::dup2(high[3], 4);
  ::dup3(high[4], 5, O_CLOEXEC);
  ::close_range(6, ~0U, 0);
  if (namespaced) prepare_namespace(plan, user_namespace);
  if (plan.working_directory && ::chdir(plan.working_directory) != 0) setup_failed(1);
  // Nothing the harness blocks or ignores reaches the case.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &default_action, nullptr);
  ::execve(plan.path, plan.argv, plan.envp);
  setup_failed(0);
}

// Whether this machine lets the harness make PID namespaces; learned from the
// first attempt.
std::atomic<bool> namespaces_refused{false};

struct Warden {
  LiveCase live;
  Fd pidfd;
  std::string error;  // set when it could not be started
};

// The reason the child gave, or an empty string once it has exec'd.
std::string setup_error(int exec_error_read) {
  SetupFailure failure;
  ssize_t got;
  do {
    got = ::read(exec_error_read, &failure, sizeof failure);
  } while (got < 0 && errno == EINTR);
  if (got != static_cast<ssize_t>(sizeof failure)) return {};
  const int step = failure.step >= 0 && failure.step < 7 ? failure.step : 0;
  return std::string(kSetupSteps[step]) + ": " + std::strerror(failure.error);
}

Warden start_warden(WardenPlan plan, Isolation isolation) {
  Warden warden;
  // A user (or a test) can ask for the fallback on a machine that has both.
  if (const char* chosen = std::getenv("PYPROC_ISOLATION");
      isolation == Isolation::Automatic && chosen && std::string_view(chosen) == "subreaper")
    isolation = Isolation::Subreaper;
  const bool try_namespace = isolation == Isolation::PidNamespace ||
                             (isolation == Isolation::Automatic && !namespaces_refused.load());
  // Root makes the namespaces directly; anyone else inside a user namespace
  // of their own (where the kernel allows that), keeping their own ids.
  const bool user_namespace = ::geteuid() != 0;
  for (const bool namespaced : {true, false}) {
    if (namespaced && !try_namespace) continue;
    Pipe exec_error;
    if (!make_pipe(exec_error, false)) {
      warden.error = std::string("pipe: ") + std::strerror(errno);
      return warden;
    }
    plan.exec_error = exec_error.write.get();
    int pidfd = -1;
    clone_args args{};
    args.flags = CLONE_PIDFD;
    if (namespaced) args.flags |= CLONE_NEWPID | CLONE_NEWNS | (user_namespace ? CLONE_NEWUSER : 0);
    args.pidfd = reinterpret_cast<std::uint64_t>(&pidfd);
    args.exit_signal = SIGCHLD;
    const long pid = ::syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) exec_warden(plan, namespaced, user_namespace);
    exec_error.write.reset();
    if (pid > 0) {
      Fd child_pidfd(pidfd);
      const std::string why = setup_error(exec_error.read.get());
      if (why.empty()) {
        warden.live = {static_cast<pid_t>(pid), pidfd, namespaced, {}};  // scratch: below
        warden.pidfd = std::move(child_pidfd);
        return warden;
      }
      siginfo_t info{};
      ::waitid(P_PIDFD, static_cast<id_t>(child_pidfd.get()), &info, WEXITED);
      warden.error = "cannot start the case's warden " + std::string(plan.path) +
                     (namespaced ? " in its namespaces" : "") + ": " + why;
      // A machine that lets us make namespaces but not the read-only view
      // in them (a container's seccomp profile) gets the fallback.
      if (!namespaced || isolation == Isolation::PidNamespace ||
          std::string_view(why).find("exec") == 0 || std::string_view(why).find("chdir") == 0)
        return warden;
      namespaces_refused = true;
      continue;
    }
    warden.error = std::string("cannot start the case's warden: clone3: ") + std::strerror(errno);
    if (!namespaced || isolation == Isolation::PidNamespace) return warden;
    namespaces_refused = true;  // not allowed here (no CAP_SYS_ADMIN): the fallback
  }
  return warden;
}

// ---- ending a case -----------------------------------------------------------

// Waits, bounded, until the warden has ended, then reaps it.
bool reap_warden(const Warden& warden, Clock::time_point deadline) {
  pollfd fd{warden.pidfd.get(), POLLIN, 0};
  while (::poll(&fd, 1, milliseconds_until(deadline)) < 0 && errno == EINTR) {
  }
  siginfo_t info{};
  return ::waitid(P_PIDFD, static_cast<id_t>(warden.pidfd.get()), &info, WEXITED | WNOHANG) == 0 &&
         info.si_pid != 0;
}

// The case is over: nothing of it may outlive this.
void end_case(Warden& warden, Fd& lifeline) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  if (warden.live.namespaced) {
    // The namespace dies with its pid 1, and the kernel has killed every
    // process of it by the time the warden has ended.
    ::syscall(SYS_pidfd_send_signal, warden.pidfd.get(), SIGKILL, nullptr, 0);
    lifeline.reset();
    reap_warden(warden, deadline);
    return;
  }
  // A subreaper ends nothing by dying: the harness kills the tree itself,
  // then lets the warden reap it and go (it does the same on the lifeline's
  // end, in case the harness dies first).
  kill_all_below(warden.live.warden, deadline);
  lifeline.reset();
  if (!reap_warden(warden, Clock::now() + std::chrono::seconds(2))) {
    ::syscall(SYS_pidfd_send_signal, warden.pidfd.get(), SIGKILL, nullptr, 0);
    reap_warden(warden, deadline);
  }
}

// Subreaper mode only: a case that killed its warden has had its orphans
// handed to the harness (a subreaper too). Ends and reaps every child of the
// harness that is neither a warden nor one it had before the case began.
void end_strays(const std::set<pid_t>& children_before) {
  std::lock_guard lock(LiveCases::instance().mutex());
  const auto wardens = LiveCases::instance().wardens();
  const pid_t self = ::getpid();
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  std::vector<pid_t> excluded(children_before.begin(), children_before.end());
  excluded.insert(excluded.end(), wardens.begin(), wardens.end());
  if (const pid_t sweeper = LiveCases::instance().sweeper(); sweeper > 0)
    excluded.push_back(sweeper);
  kill_all_below(self, deadline, excluded);
  for (const auto& stray : processes_below(self, excluded)) {
    if (stray.parent != self) continue;
    siginfo_t info{};
    ::waitid(P_PID, static_cast<id_t>(stray.pid), &info, WEXITED | WNOHANG);
  }
}

std::set<pid_t> children_of_self() {
  std::set<pid_t> children;
  for (const auto& entry : processes_below(::getpid()))
    if (entry.parent == ::getpid()) children.insert(entry.pid);
  return children;
}

// The last pid of a new namespace before its first process: a random point of
// the upper range, so that its pids are not small numbers (§8).
std::string namespace_first_pid() {
  long pid_max = 32768;
  if (FILE* f = std::fopen("/proc/sys/kernel/pid_max", "re")) {
    if (std::fscanf(f, "%ld", &pid_max) != 1) pid_max = 32768;
    std::fclose(f);
  }
  unsigned int noise = 0;
  if (::getrandom(&noise, sizeof noise, 0) != sizeof noise) noise = 0;
  const long quarter = pid_max / 4;
  return std::to_string(quarter + static_cast<long>(noise % static_cast<unsigned int>(quarter)));
}

// ---- the report of the warden --------------------------------------------------

struct Report {
  bool driver_ended = false;
  int wait_status = 0;
  int spawn_error = 0;
};

void parse_report(std::string& text, Report& report) {
  for (std::size_t newline; (newline = text.find('\n')) != std::string::npos;) {
    const std::string line = text.substr(0, newline);
    text.erase(0, newline + 1);
    if (line.rfind("exited ", 0) == 0) {
      report.driver_ended = true;
      report.wait_status = std::atoi(line.c_str() + 7);
    } else if (line.rfind("spawn-error ", 0) == 0) {
      report.driver_ended = true;
      report.spawn_error = std::atoi(line.c_str() + 12);
    }
  }
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

IsolatedRun run_isolated(const std::vector<std::string>& argv, double timeout_seconds,
                         const IsolationOptions& options) {
  IsolatedRun result;
  const auto deadline = deadline_after(timeout_seconds);
  // Orphans of a case whose warden was killed come back to the harness.
  static const bool subreaper = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0;
  (void)subreaper;
  // A driver of the same user may not ptrace the harness (stop it, read or
  // change its memory, forge its verdict): §8.
  static const bool undumpable = ::prctl(PR_SET_DUMPABLE, 0) == 0;
  (void)undumpable;

  Pipe out, err, report_pipe, lifeline;
  if (!make_pipe(out, true) || !make_pipe(err, true) || !make_pipe(report_pipe, true) ||
      !make_pipe(lifeline, false)) {
    result.error = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  std::vector<std::string> warden_args{warden_path(), "--"};
  warden_args.insert(warden_args.end(), argv.begin(), argv.end());
  std::vector<std::string> environment = options.environment;
  const auto arg_pointers = c_strings(warden_args);
  const auto env_pointers = c_strings(environment);
  const std::string uid_map =
                        std::to_string(::geteuid()) + " " + std::to_string(::geteuid()) + " 1\n",
                    gid_map =
                        std::to_string(::getegid()) + " " + std::to_string(::getegid()) + " 1\n",
                    last_pid = namespace_first_pid();
  std::vector<std::string> writable_paths{"/dev/shm", "/dev/mqueue"};
  if (!options.working_directory.empty()) writable_paths.push_back(options.working_directory);
  writable_paths.insert(writable_paths.end(), options.writable.begin(), options.writable.end());
  std::vector<const char*> writable;
  for (const auto& path : writable_paths) writable.push_back(path.c_str());
  writable.push_back(nullptr);
  const WardenPlan plan{.path = warden_args[0].c_str(),
                        .working_directory = options.working_directory.empty()
                                                 ? nullptr
                                                 : options.working_directory.c_str(),
                        .argv = arg_pointers.data(),
                        .envp = env_pointers.data(),
                        .out = out.write.get(),
                        .err = err.write.get(),
                        .report = report_pipe.write.get(),
                        .lifeline = lifeline.read.get(),
                        .exec_error = -1,
                        .uid_map = uid_map.c_str(),
                        .gid_map = gid_map.c_str(),
                        .last_pid = last_pid.c_str(),
                        .writable = writable.data()};

  const auto children_before = children_of_self();
  Warden warden;
  {
    std::lock_guard lock(LiveCases::instance().mutex());
    warden = start_warden(plan, options.isolation);
    warden.live.scratch = options.scratch_directory;
    if (warden.live.warden > 0) LiveCases::instance().add(&warden.live);
  }
  out.write.reset();
  err.write.reset();
  report_pipe.write.reset();
  lifeline.read.reset();
  if (warden.live.warden <= 0) {
    result.error = warden.error;
    return result;
  }
  result.isolation = warden.live.namespaced ? "pid namespace" : "subreaper";

  Report report;
  std::string report_text;
  bool out_open = true, err_open = true, report_open = true;
  {
    while (!report.driver_ended && !result.output_overflow) {
      const int wait_ms = milliseconds_until(deadline);
      if (wait_ms <= 0 && Clock::now() >= deadline) {
        result.hung = true;
        break;
      }
      pollfd fds[4] = {{warden.pidfd.get(), POLLIN, 0},
                       {out_open ? out.read.get() : -1, POLLIN, 0},
                       {err_open ? err.read.get() : -1, POLLIN, 0},
                       {report_open ? report_pipe.read.get() : -1, POLLIN, 0}};
      if (::poll(fds, 4, wait_ms) < 0 && errno != EINTR) {
        result.error = std::string("poll: ") + std::strerror(errno);
        break;
      }
      bool unused = false;
      if (fds[1].revents)
        out_open = drain(out.read.get(), result.out, options.max_output_bytes, false,
                         result.output_overflow);
      if (fds[2].revents)
        err_open = drain(err.read.get(), result.err, options.kept_error_bytes, true, unused);
      if (fds[3].revents || fds[0].revents) {
        report_open = drain(report_pipe.read.get(), report_text, 4096, true, unused);
        parse_report(report_text, report);
      }
      if (fds[0].revents && !report.driver_ended) {
        result.supervisor_lost = true;  // the warden is gone, and the driver not reported ended
        break;
      }
    }
    if (report.driver_ended && !result.output_overflow) {
      if (report.spawn_error) {
        result.error = "cannot run " + argv[0] + ": " + std::strerror(report.spawn_error);
      } else {
        result.started = true;
        if (WIFEXITED(report.wait_status)) result.exit_status = WEXITSTATUS(report.wait_status);
        if (WIFSIGNALED(report.wait_status)) result.term_signal = WTERMSIG(report.wait_status);
        // The driver is gone and its case must be over. One that is in the
        // middle of exiting gets a short grace (waited on, not slept).
        const pid_t root = warden.live.warden;
        wait_until_ended(running_below(root), Clock::now() + std::chrono::seconds(2));
        result.leftovers = static_cast<int>(running_below(root).size());
      }
    } else {
      result.started = true;  // and then it hung, flooded, or lost its warden
    }
  }

  end_case(warden, lifeline.write);
  if (!warden.live.namespaced && result.supervisor_lost) end_strays(children_before);
  {
    std::unique_lock lock(LiveCases::instance().mutex());
    // The runner is being stopped by a signal (end_all() has ended this case
    // too): no verdict on a case it ended may reach anyone; the process dies
    // of the signal as soon as end_all() returns.
    if (LiveCases::instance().stopping()) {
      lock.unlock();
      for (;;) ::pause();
    }
    LiveCases::instance().remove(&warden.live);
  }

  // Everything that could write to the pipes is gone: read what is left.
  bool unused = false;
  const auto drain_deadline = Clock::now() + std::chrono::seconds(2);
  while ((out_open || err_open) && Clock::now() < drain_deadline && !result.output_overflow) {
    pollfd fds[2] = {{out_open ? out.read.get() : -1, POLLIN, 0},
                     {err_open ? err.read.get() : -1, POLLIN, 0}};
    if (::poll(fds, 2, milliseconds_until(drain_deadline)) <= 0) break;
    if (fds[0].revents)
      out_open = drain(out.read.get(), result.out, options.max_output_bytes, false,
                       result.output_overflow);
    if (fds[1].revents)
      err_open = drain(err.read.get(), result.err, options.kept_error_bytes, true, unused);
  }
  return result;
}

}  // namespace pyproc::harness

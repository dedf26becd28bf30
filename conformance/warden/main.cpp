// pyproc-warden: the supervisor of one conformance case (spec/protocol.md §8).
//
//   pyproc-warden -- DRIVER [ARGS...]
//   fd 3: report, written to the harness; fd 4: lifeline, read from the harness
//
// The harness starts it as pid 1 of a new PID namespace when the machine
// allows that, else as an ordinary child, in which case it makes itself a
// child subreaper. Either way every process the case starts stays below it:
// orphans come back to it, whatever they do with sessions and process groups.
//
// It starts the driver in a session of its own, reaps every process that
// comes back to it, and reports on fd 3, one line each:
//   "exited <wait status>"   the driver has ended (raw waitpid status)
//   "spawn-error <errno>"    the driver could not be started
// When the lifeline reaches end of file (the harness closed it, or the
// harness died), the case is over: the warden ends everything below it and
// exits. As pid 1 of the namespace it only has to exit: the kernel then kills
// every process of the namespace before the warden's own exit completes.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "harness/process_tree.hpp"

extern char** environ;

namespace {

constexpr int kReportFd = 3;
constexpr int kLifelineFd = 4;

void report(const std::string& line) {
  const std::string text = line + "\n";
  // One short write to a pipe is atomic; if the harness is gone there is no
  // one left to tell (SIGPIPE is ignored below).
  while (::write(kReportFd, text.data(), text.size()) < 0 && errno == EINTR) {
  }
}

// In a new PID namespace, /proc still shows the outer one: mount the
// namespace's own, in a mount namespace of the case's own, so that
// /proc/<pid> means the same process as the pids the case sees.
void mount_own_proc() {
  if (::unshare(CLONE_NEWNS) != 0 ||
      ::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    std::fprintf(stderr, "pyproc-warden: cannot mount the namespace's own /proc: %s\n",
                 std::strerror(errno));
}

// Pids of a fresh namespace start at 2, and small numbers are everywhere in
// observations ("Process-2", "exitcode=3"): the harness finds pids inside
// strings (§6), so the case's pids start at a random point of the upper range
// instead, as on any busy machine.
void move_pid_counter() {
  long pid_max = 32768;
  if (FILE* f = std::fopen("/proc/sys/kernel/pid_max", "re")) {
    if (std::fscanf(f, "%ld", &pid_max) != 1) pid_max = 32768;
    std::fclose(f);
  }
  unsigned int noise = 0;
  if (::getrandom(&noise, sizeof noise, 0) != sizeof noise) noise = 0;
  const long quarter = pid_max / 4;
  const long start = quarter + static_cast<long>(noise % static_cast<unsigned int>(quarter));
  if (FILE* f = std::fopen("/proc/sys/kernel/ns_last_pid", "we")) {
    std::fprintf(f, "%ld", start);
    std::fclose(f);
  }
}

pid_t start_driver(char** argv) {
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setsigmask(&attributes, &none);
  // A session of its own: no controlling terminal, and a group that is the
  // case's alone.
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const int error = ::posix_spawnp(&pid, argv[0], nullptr, &attributes, argv, environ);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) {
    report("spawn-error " + std::to_string(error));
    return -1;
  }
  return pid;
}

// Reaps whatever has ended; reports the driver's end.
void reap(pid_t driver) {
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return;
    if (pid == driver) report("exited " + std::to_string(status));
  }
}

// Subreaper mode: nothing ends with us by itself, so end it all, reap it and go.
[[noreturn]] void end_case(int child_signals) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  pyproc::harness::kill_all_below(::getpid(), deadline);
  for (;;) {
    reap(-1);
    if (::waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD) break;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd fd{child_signals, POLLIN, 0};
    ::poll(&fd, 1, static_cast<int>(left));
    signalfd_siginfo info;
    while (::read(child_signals, &info, sizeof info) > 0) {
    }
  }
  ::_exit(0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || std::strcmp(argv[1], "--") != 0) {
    std::fprintf(stderr, "usage: pyproc-warden -- DRIVER [ARGS...] (started by the harness)\n");
    return 2;
  }
  ::fcntl(kReportFd, F_SETFD, FD_CLOEXEC);
  ::fcntl(kLifelineFd, F_SETFD, FD_CLOEXEC);
  ::signal(SIGPIPE, SIG_IGN);  // the driver gets default dispositions back (start_driver)

  sigset_t child_signal;
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &child_signal, nullptr);
  const int child_signals = ::signalfd(-1, &child_signal, SFD_CLOEXEC | SFD_NONBLOCK);

  const bool namespaced = ::getpid() == 1;
  if (namespaced) {
    mount_own_proc();
    move_pid_counter();
  } else {
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  }

  const pid_t driver = start_driver(argv + 2);
  for (;;) {
    pollfd fds[2] = {{child_signals, POLLIN, 0}, {kLifelineFd, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (fds[0].revents) {
      signalfd_siginfo info;
      while (::read(child_signals, &info, sizeof info) > 0) {
      }
      reap(driver);
    }
    if (fds[1].revents) {
      char byte;
      const ssize_t n = ::read(kLifelineFd, &byte, 1);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) break;
    }
  }
  if (namespaced) ::_exit(0);
  end_case(child_signals);
}

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
//
//   pyproc-warden --sweep
//
// is the runner's sweeper (one per runner, outside every case): it reads
// "+PATH" and "-PATH" lines on stdin (a scratch directory made, removed) and,
// when stdin ends (the runner is gone, SIGKILL included), removes the
// directories still listed. It ignores the signals that stop a runner.
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <set>
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

// A scratch directory whose runner died without removing it.
void remove_tree(const char* path) {
  ::nftw(
      path,
      [](const char* file, const struct stat*, int, FTW*) {
        ::remove(file);
        return 0;
      },
      16, FTW_DEPTH | FTW_PHYS);
}

// The runner's sweeper (--sweep): see the top of this file.
int sweep() {
  for (const int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::signal(sig, SIG_IGN);
  std::set<std::string> paths;
  std::string line;
  for (int c; (c = std::getchar()) != EOF;) {
    if (c != '\n') {
      line += static_cast<char>(c);
      continue;
    }
    if (line.size() > 1 && line[0] == '+') paths.insert(line.substr(1));
    if (line.size() > 1 && line[0] == '-') paths.erase(line.substr(1));
    line.clear();
  }
  // The runner's cases may still be ending (their wardens saw the same end):
  // a file written meanwhile keeps a directory, so try again a few times.
  for (int attempt = 0; attempt < 50 && !paths.empty(); ++attempt) {
    if (attempt > 0) ::usleep(100'000);
    for (auto it = paths.begin(); it != paths.end();) {
      remove_tree(it->c_str());
      it = ::access(it->c_str(), F_OK) != 0 ? paths.erase(it) : std::next(it);
    }
  }
  return 0;
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
  if (argc == 2 && std::strcmp(argv[1], "--sweep") == 0) return sweep();
  if (argc < 3 || std::strcmp(argv[1], "--") != 0) {
    std::fprintf(stderr,
                 "usage: pyproc-warden -- DRIVER [ARGS...] | --sweep (started by the harness)\n");
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

  // Not ptrace-able by the case (a driver of the same user), which could
  // otherwise make it report whatever it liked; the driver it starts is
  // dumpable again (execve resets it).
  ::prctl(PR_SET_DUMPABLE, 0);
  // As pid 1 of the case's PID namespace, the harness has already given it
  // the namespace's own /proc and the driver's read-only view (§8).
  const bool namespaced = ::getpid() == 1;
  if (!namespaced) ::prctl(PR_SET_CHILD_SUBREAPER, 1);

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

// os::fork() and os::forkpty() with real children: what each side gets, the
// child's terminal (shown by the helper's `tty` action), the master fd's
// O_CLOEXEC, and the failures a real fd limit causes.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "pyproc/os.hpp"
#include "support/os_test_support.hpp"

namespace pyproc {
namespace {

using testing::kHelper;
using testing::raised;
using testing::run_in_child;

class OsFork : public testing::OsTest {};

// Everything written to the terminal whose master side is `master`, until
// every process holding its other side has closed it (then Linux answers
// EIO). A terminal turns each "\n" written into "\r\n".
std::string read_terminal(int master) {
  std::string out;
  char buf[256];
  for (;;) {
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

// The exit code of our child `pid`.
int exit_code_of(pid_t pid) { return os::waitstatus_to_exitcode(os::waitpid(pid, 0).status); }

// In a forked child: runs the helper with `actions`, or ends with 99.
[[noreturn]] void exec_helper(const os::Args& actions) {
  os::Args args = {"pyproc-helper"};
  args.insert(args.end(), actions.begin(), actions.end());
  try {
    os::execv(kHelper, args);
  } catch (...) {
  }
  os::_exit(99);
}

// ---- fork ----

TEST_F(OsFork, ZeroInTheChildAndTheChildsPidInTheParent) {
  testing::Pipe report;
  const pid_t pid = os::fork();
  if (pid == 0) {
    // os::getpid() is the child's own (the cache is refreshed), not the parent's.
    const auto real_pid = static_cast<pid_t>(::syscall(SYS_getpid));
    report.write(std::to_string(os::getpid() == real_pid) + " " + std::to_string(real_pid) + " " +
                 std::to_string(os::getppid()) + "\n");
    os::_exit(7);
  }
  report.close_write();
  ASSERT_GT(pid, 0);
  EXPECT_EQ(report.read_line(), "1 " + std::to_string(pid) + " " + std::to_string(::getpid()));
  EXPECT_EQ(exit_code_of(pid), 7);
}

TEST_F(OsFork, TheChildHasTheParentsFdsAndMemory) {
  testing::Pipe report;
  std::string memory = "copied";
  const pid_t pid = os::fork();
  if (pid == 0) {
    memory += " then changed in the child";
    report.write(memory + "\n");
    os::_exit(0);
  }
  report.close_write();
  EXPECT_EQ(report.read_line(), "copied then changed in the child");
  EXPECT_EQ(memory, "copied");
  EXPECT_EQ(exit_code_of(pid), 0);
}

// ---- forkpty ----

// The lowest fd free in this process.
int lowest_free_fd() {
  const int fd = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0);
  ::close(fd);
  return fd;
}

// "open" or "closed".
std::string state_of(int fd) { return ::fcntl(fd, F_GETFD) >= 0 ? "open" : "closed"; }

TEST_F(OsFork, ForkptyChildHasTheTerminalAsControllingTerminalAndStdio) {
  // Where the terminal's two sides will be opened: the two lowest free fds.
  const int master = lowest_free_fd();
  const int other = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, master + 1);
  ::close(other);
  const os::ForkptyResult r = os::forkpty();
  if (r.pid == 0) {
    // Neither side is left open in the child beyond fds 0-2.
    exec_helper({"tty", "print", state_of(master) + "-" + state_of(other), "eprint", "on-stderr",
                 "pid", "pgid"});
  }
  ASSERT_GT(r.pid, 0);
  EXPECT_EQ(r.fd, master);
  // Non-inheritable, as every fd pyproc opens (CPython's is inheritable).
  EXPECT_EQ(::fcntl(r.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  EXPECT_TRUE(::isatty(r.fd));
  const std::string out = read_terminal(r.fd);
  ::close(r.fd);
  // fds 0-2 are the terminal (fd 1 and fd 2 reach it too), and the child
  // leads its own process group (and session).
  const std::string pid = std::to_string(r.pid);
  EXPECT_EQ(out, "stdin-tty yes\r\nctty yes\r\nclosed-closed\r\non-stderr\r\npid " + pid +
                     "\r\npgid " + pid + "\r\n");
  EXPECT_EQ(exit_code_of(r.pid), 0);
}

TEST_F(OsFork, ForkptyGivesTheChildZeroAndMinusOne) {
  testing::Pipe report;
  const os::ForkptyResult r = os::forkpty();
  if (r.pid == 0) {
    report.write(std::to_string(r.pid) + " " + std::to_string(r.fd) + " " +
                 std::to_string(os::getsid(0) == os::getpid()) + "\n");
    os::_exit(0);
  }
  report.close_write();
  EXPECT_EQ(report.read_line(), "0 -1 1");
  EXPECT_EQ(read_terminal(r.fd), "");
  ::close(r.fd);
  EXPECT_EQ(exit_code_of(r.pid), 0);
}

TEST_F(OsFork, ForkptyWithTheStandardFdsClosed) {
  // The terminal's two sides then land on fds 0 and 2; the child's fd 2 is
  // the terminal itself, which must lose its O_CLOEXEC to survive the exec.
  const auto run = run_in_child([] {
    ::close(STDIN_FILENO);
    ::close(STDERR_FILENO);
    const os::ForkptyResult r = os::forkpty();
    if (r.pid == 0) exec_helper({"tty", "stdio"});
    const std::string out = read_terminal(r.fd);
    std::fputs((std::to_string(r.fd) + " " + out).c_str(), stdout);
    std::fflush(stdout);
    os::_exit(exit_code_of(r.pid));
  });
  EXPECT_EQ(run.output, "0 stdin-tty yes\r\nctty yes\r\nfd0 open\r\nfd1 open\r\nfd2 open\r\n");
  EXPECT_EQ(os::wexitstatus(run.status), 0);
}

// os.forkpty() under an fd limit (EMFILE) opening either side: nothing is
// left open and nothing forked.
TEST_F(OsFork, ForkptyWhenNoFdIsLeftForEitherSide) {
  for (const int room : {0, 1}) {  // no fd at all, or only the master's
    SCOPED_TRACE(room);
    const auto run = run_in_child([room] {
      // UBSan's vptr check probes memory through a pipe(2) the first time it
      // meets a pair of dynamic and static types: with no fd left the probe
      // fails and it reports a false "invalid vptr". The pairs that the
      // error path below meets (the seam's object, an OSError caught as a
      // BaseException) are met here first, while fds are free.
      (void)os::getsid(0);
      (void)raised([] { raise_os_error(EMFILE); });
      const int fds_before = testing::count_open_fds();
      rlimit normal{};
      ::getrlimit(RLIMIT_NOFILE, &normal);
      const rlimit low{static_cast<rlim_t>(lowest_free_fd() + room), normal.rlim_max};
      ::setrlimit(RLIMIT_NOFILE, &low);
      std::string error = raised([] { (void)os::forkpty(); });
      ::setrlimit(RLIMIT_NOFILE, &normal);  // (counting needs an fd)
      error += testing::count_open_fds() == fds_before ? " (no fd left)" : " (an fd leaked)";
      std::fputs(error.c_str(), stdout);
      std::fflush(stdout);
      os::_exit(0);
    });
    EXPECT_EQ(run.output, "OSError: [Errno 24] Too many open files (no fd left)");
  }
}

}  // namespace
}  // namespace pyproc

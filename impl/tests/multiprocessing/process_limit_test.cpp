// start() when the kernel itself refuses to fork: a real RLIMIT_NPROC, no mock.
// fault_injection_test.cpp covers the same path through the seam; this test
// proves the seam's EAGAIN is the one a real fork() reports, and that nothing
// pyproc did before fork() (the pipe) outlives the failure.
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "pyproc/multiprocessing/process.hpp"
#include "support/test_support.hpp"

namespace pyproc {
namespace {

using testing::Pipe;

// nobody: an unprivileged uid and gid that exist on every Linux system.
constexpr uid_t kNobody = 65534;

// Runs in the helper: drops to `nobody` with no process to spare, then starts
// a Process. Returns one line describing what start() did and what the
// object looked like afterwards.
std::string start_without_processes_left() {
  // Root (and CAP_SYS_RESOURCE/CAP_SYS_ADMIN) ignore RLIMIT_NPROC, so the
  // limit only bites once the helper is an ordinary user. 0 leaves no room
  // for a new process whether the kernel counts it before (older kernels) or
  // after (ucounts, 5.14+) the comparison.
  const rlimit none{0, 0};
  if (::setrlimit(RLIMIT_NPROC, &none) != 0) return "setrlimit failed";
  if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
    return "cannot become nobody";
  }
  // A change of uid makes the process non-dumpable, which hands its /proc
  // files to root; dumpable again, it may read its own /proc/self/fd.
  if (::prctl(PR_SET_DUMPABLE, 1) != 0) return "prctl failed";

  const int fds_before = testing::count_open_fds();
  if (fds_before < 0) return "cannot read /proc/self/fd";
  Process p([] {});
  std::string line;
  try {
    p.start();
    line = "started";
    p.join();  // not reached unless the limit failed to apply
  } catch (const OSError& e) {
    line = std::string(e.type_name()) + " " + std::to_string(e.errno_value()) + " " + e.what();
  }
  line += p.pid() ? " pid" : " no-pid";
  line += p.exitcode() ? " exitcode" : " no-exitcode";
  try {
    p.close();
    line += " closed";
  } catch (const BaseException& e) {
    line += std::string(" close: ") + e.what();
  }
  line += testing::count_open_fds() == fds_before ? " no-fd-leaked" : " fd-leaked";
  return line;
}

TEST(ProcessLimit, StartFailsWithBlockingIOErrorWhenForkHitsRlimitNproc) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root: only root can drop to an unprivileged uid, which is "
                    "what makes RLIMIT_NPROC apply (root ignores it)";
  }
  Pipe report;
  (void)std::fflush(nullptr);  // or the helper could write our buffered output again
  const pid_t helper = ::fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    // The test process keeps its uid and limits; only the helper changes.
    report.write(start_without_processes_left() + "\n");
    ::_exit(0);
  }
  report.close_write();
  const std::string line = report.read_line();
  int status = 0;
  ASSERT_EQ(::waitpid(helper, &status, 0), helper);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
  // CPython: BlockingIOError(11, 'Resource temporarily unavailable'); the
  // object stays "initial": no pid, no exit code, and it can be closed.
  EXPECT_EQ(line,
            "BlockingIOError 11 [Errno 11] Resource temporarily unavailable"
            " no-pid no-exitcode closed no-fd-leaked");
}

}  // namespace
}  // namespace pyproc

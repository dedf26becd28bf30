// The launcher behind spawn*/system/popen (impl/src/core/launcher.hpp), on the
// failures that need no mock: an fd set-up that fails in the child, and no
// memory for the child's stack (a real RLIMIT_AS).
#include "core/launcher.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "os/argv.hpp"
#include "pyproc/os.hpp"
#include "support/os_test_support.hpp"

namespace pyproc {
namespace {

using testing::kHelper;
using testing::Pipe;

class OsLaunch : public testing::OsTest {};

TEST_F(OsLaunch, AFailedFdSetUpIsReportedAndTheChildExits127) {
  const char* const programs[] = {kHelper.c_str()};
  const os::Args args = {"x"};
  const os::detail::ExecArgv argv(args);
  pyproc::detail::LaunchPlan plan;
  plan.programs = programs;
  plan.program_count = 1;
  plan.argv = argv.get();
  plan.envp = ::environ;
  plan.stdout_to = 1000;  // not open: dup2() fails with EBADF in the child
  const pyproc::detail::LaunchResult launched = pyproc::detail::launch(plan);
  ASSERT_GT(launched.pid, 0);
  EXPECT_EQ(launched.launch_errno, 0);
  EXPECT_EQ(launched.exec_errno, EBADF);
  EXPECT_TRUE(launched.before_exec);
  int status = 0;
  EXPECT_EQ(::waitpid(launched.pid, &status, 0), launched.pid);
  EXPECT_EQ(os::waitstatus_to_exitcode(status), 127);
}

// The helper launched with `cwd`, printing its working directory to a pipe:
// the launch's result, what it printed and its exit code.
struct Launched {
  pyproc::detail::LaunchResult result;
  std::string output;
  int exitcode;
};
Launched launch_in(const char* cwd) {
  Pipe out;
  const char* const programs[] = {kHelper.c_str()};
  const os::Args args = {"helper", "cwd"};
  const os::detail::ExecArgv argv(args);
  pyproc::detail::LaunchPlan plan;
  plan.programs = programs;
  plan.program_count = 1;
  plan.argv = argv.get();
  plan.envp = ::environ;
  plan.stdout_to = out.write_fd();
  plan.cwd = cwd;
  Launched launched{pyproc::detail::launch(plan), "", 0};
  out.close_write();
  launched.output = out.read_all();
  int status = 0;
  EXPECT_EQ(::waitpid(launched.result.pid, &status, 0), launched.result.pid);
  launched.exitcode = os::waitstatus_to_exitcode(status);
  return launched;
}

TEST_F(OsLaunch, AFailedChdirIsReportedAsBeforeExec) {
  const Launched launched = launch_in("/nonexistent-pyproc-dir");
  EXPECT_EQ(launched.result.exec_errno, ENOENT);
  EXPECT_TRUE(launched.result.before_exec);
  EXPECT_EQ(launched.exitcode, 127);
}

TEST_F(OsLaunch, TheChildRunsInCwd) {
  const Launched launched = launch_in("/");
  EXPECT_EQ(launched.result.exec_errno, 0);
  EXPECT_EQ(launched.output, "cwd /\n");
  EXPECT_EQ(launched.exitcode, 0);
}

// stdout to fd 2 and stderr to fd 1 swaps them: fd 1 is copied out of the
// way before fd 2 lands on it (bpo-12607).
TEST_F(OsLaunch, StdoutAndStderrCanBeSwapped) {
  Pipe out;
  Pipe err;
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(out.write_fd(), STDOUT_FILENO);
    ::dup2(err.write_fd(), STDERR_FILENO);
    const char* const programs[] = {kHelper.c_str()};
    const os::Args args = {"helper", "print", "to-1", "eprint", "to-2"};
    const os::detail::ExecArgv argv(args);
    pyproc::detail::LaunchPlan plan;
    plan.programs = programs;
    plan.program_count = 1;
    plan.argv = argv.get();
    plan.envp = ::environ;
    plan.stdout_to = STDERR_FILENO;
    plan.stderr_to = STDOUT_FILENO;
    const pyproc::detail::LaunchResult launched = pyproc::detail::launch(plan);
    int status = 0;
    ::waitpid(launched.pid, &status, 0);
    os::_exit(launched.exec_errno == 0 && status == 0 ? 0 : 1);
  }
  out.close_write();
  err.close_write();
  EXPECT_EQ(out.read_all(), "to-2\n");
  EXPECT_EQ(err.read_all(), "to-1\n");
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_EQ(status, 0);
}

TEST_F(OsLaunch, NoMemoryForTheChildsStackIsRaised) {
  const auto run = testing::run_in_child([] {
    // Address space for what is mapped now plus a little: the launch's stack
    // mapping (256 KiB) no longer fits.
    long pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    const auto limit = static_cast<rlim_t>(pages * ::sysconf(_SC_PAGESIZE) + 128 * 1024);
    const rlimit tight{limit, limit};
    ::setrlimit(RLIMIT_AS, &tight);
    os::spawnv(os::p_wait, kHelper, {"x"});
  });
  EXPECT_EQ(run.output, "raised: OSError: [Errno 12] Cannot allocate memory\n");
}

}  // namespace
}  // namespace pyproc

// The launcher behind spawn*/system/popen (impl/src/os_launch.hpp), on the
// failures that need no mock: an fd set-up that fails in the child, and no
// memory for the child's stack (a real RLIMIT_AS).
#include "os_launch.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "os_argv.hpp"
#include "os_test_support.hpp"
#include "pyproc/os.hpp"

namespace pyproc {
namespace {

using testing::kHelper;

class OsLaunch : public testing::OsTest {};

TEST_F(OsLaunch, AFailedFdSetUpIsReportedAndTheChildExits127) {
  const char* const programs[] = {kHelper.c_str()};
  const os::Args args = {"x"};
  const os::detail::ExecArgv argv(args);
  os::detail::LaunchPlan plan;
  plan.programs = programs;
  plan.program_count = 1;
  plan.argv = argv.get();
  plan.envp = ::environ;
  plan.stdout_to = 1000;  // not open: dup2() fails with EBADF in the child
  const os::detail::LaunchResult launched = os::detail::launch(plan);
  ASSERT_GT(launched.pid, 0);
  EXPECT_EQ(launched.launch_errno, 0);
  EXPECT_EQ(launched.exec_errno, EBADF);
  int status = 0;
  EXPECT_EQ(::waitpid(launched.pid, &status, 0), launched.pid);
  EXPECT_EQ(os::waitstatus_to_exitcode(status), 127);
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
    os::spawnv(os::P_WAIT, kHelper, {"x"});
  });
  EXPECT_EQ(run.output, "raised: OSError: [Errno 12] Cannot allocate memory\n");
}

}  // namespace
}  // namespace pyproc

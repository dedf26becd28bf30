// pyproc::subprocess and pyproc::os where pidfd_open is refused (issue 20):
// ENOSYS (a kernel before 5.3, gVisor) and EPERM (a seccomp profile),
// injected at the seam. The waits and signals of one Popen on that path are
// fault_injection_test.cpp's (SubprocessWaitFaults, SubprocessSignalFaults,
// /NoPidfdEnosys and /NoPidfdEperm) and threads_test.cpp's (/NoPidfd); here
// the rest of what a program does: the conveniences with and without a
// timeout, communicate(), a moved Popen, an abandoned child reaped by the
// next Popen by pid. No pidfd call is made after the refusal, and no fd or
// child is left behind (OsTest). pyproc::os never asks for a pidfd at all.
#include <signal.h>

#include <string>
#include <utility>
#include <vector>

#include "pyproc/subprocess.hpp"
#include "support/subprocess_test_support.hpp"

namespace pyproc {
namespace {

namespace sp = subprocess;
using ::testing::_;
using ::testing::AtLeast;
using testing::await_end_unreaped;
using testing::helper;
using testing::helper_str;
using testing::Pipe;
using testing::raised;
using ::testing::SetErrnoAndReturn;
using testing::unreaped_child;

class SubprocessNoPidfd : public testing::OsFaultTest, public ::testing::WithParamInterface<int> {
 protected:
  void SetUp() override {
    EXPECT_CALL(sys_, pidfd_open)
        .Times(AtLeast(1))
        .WillRepeatedly(SetErrnoAndReturn(GetParam(), -1));
    EXPECT_CALL(sys_, waitid).Times(0);
    EXPECT_CALL(sys_, pidfd_send_signal).Times(0);
  }
};

TEST_P(SubprocessNoPidfd, TheConveniencesWaitByPid) {
  EXPECT_EQ(sp::call(helper({"exit", "3"})), 3);
  EXPECT_EQ(sp::check_output(helper({"print", "hi"})), "hi\n");
  const sp::CompletedProcess done =
      sp::run(helper({"cat"}), {.input = "in", .capture_output = true, .timeout = 60});
  EXPECT_EQ(done.returncode, 0);
  EXPECT_EQ(done.stdout, "in");
  EXPECT_EQ(sp::getstatusoutput("exit 4").first, 4);
}

// The timeout holds with CPython's sleeps between waitpid(WNOHANG)s; the
// child is killed by pid and reaped before TimeoutExpired propagates.
TEST_P(SubprocessNoPidfd, ATimeoutKillsAndReapsTheChildByPid) {
  EXPECT_CALL(sys_, kill(_, SIGKILL)).Times(1);
  EXPECT_EQ(
      raised([] { sp::run(helper({"wait-signal"}), {.capture_output = true, .timeout = 0.05}); }),
      "TimeoutExpired: Command '" + helper_str({"wait-signal"}) + "' timed out after 0.05 seconds");
}

TEST_P(SubprocessNoPidfd, CommunicateWithATimeoutThenAgain) {
  Pipe go;
  const std::vector<std::string> actions = {"await", std::to_string(go.read_fd()), "print", "done"};
  sp::Popen p(helper(actions), {.stdout = sp::PIPE, .pass_fds = {go.read_fd()}});
  EXPECT_EQ(raised([&] { p.communicate(std::nullopt, 0.05); }),
            "TimeoutExpired: Command '" + helper_str(actions) + "' timed out after 0.05 seconds");
  go.close_write();
  EXPECT_EQ(p.communicate().stdout, "done\n");
  EXPECT_EQ(p.returncode(), 0);
}

TEST_P(SubprocessNoPidfd, AMovedPopenKeepsItsChild) {
  sp::Popen a(helper({"wait-signal"}));
  sp::Popen b(std::move(a));
  EXPECT_EQ(raised([&] { (void)a.poll(); }), "ValueError: Popen object was moved from");
  EXPECT_EQ(b.poll(), std::nullopt);
  b.terminate();
  EXPECT_EQ(b.wait(), -SIGTERM);
}

// S8 without a pidfd: the destructor of a running child keeps its pid, and
// the next Popen reaps it with waitpid(pid, WNOHANG).
TEST_P(SubprocessNoPidfd, AnAbandonedChildIsReapedByPidByTheNextPopen) {
  Pipe go;
  pid_t pid = -1;
  {
    sp::Popen p(helper({"await", "0", "exit", "5"}), {.stdin = go.read_fd()});
    pid = p.pid();
  }
  go.close_write();
  await_end_unreaped(pid);
  EXPECT_TRUE(unreaped_child(pid));
  EXPECT_CALL(sys_, waitpid).Times(::testing::AnyNumber());  // the new child's
  EXPECT_CALL(sys_, waitpid(pid, _, os::wnohang)).Times(AtLeast(1));
  sp::Popen next(helper());
  EXPECT_FALSE(unreaped_child(pid));
  EXPECT_EQ(next.wait(), 0);
}

INSTANTIATE_TEST_SUITE_P(, SubprocessNoPidfd, ::testing::Values(ENOSYS, EPERM),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return std::string(info.param == ENOSYS ? "Enosys" : "Eperm");
                         });

// pyproc::os opens no pidfd anywhere (none of impl/src/os uses one): its
// launches and waits work the same whether pidfds exist or not.
class OsNoPidfd : public testing::OsFaultTest {};

TEST_F(OsNoPidfd, LaunchesAndWaitsNeverAskForAPidfd) {
  EXPECT_CALL(sys_, pidfd_open).Times(0);
  EXPECT_CALL(sys_, pidfd_send_signal).Times(0);
  EXPECT_EQ(os::spawnv(os::p_wait, testing::kHelper, {"helper", "exit", "3"}), 3);
  const int pid = os::spawnv(os::p_nowait, testing::kHelper, {"helper", "exit", "4"});
  EXPECT_EQ(os::waitstatus_to_exitcode(os::waitpid(pid, 0).status), 4);
  EXPECT_EQ(os::waitstatus_to_exitcode(os::system("exit 5")), 5);
  os::PopenFile file = os::popen(testing::quoted_helper() + " print hi");
  EXPECT_EQ(file.read(), "hi\n");
  EXPECT_EQ(file.close(), std::nullopt);
  const pid_t child = os::fork();
  if (child == 0) os::_exit(6);
  EXPECT_EQ(os::waitstatus_to_exitcode(os::waitpid(child, 0).status), 6);
  os::kill(os::spawnv(os::p_nowait, testing::kHelper, {"helper", "wait-signal"}), SIGTERM);
  EXPECT_EQ(os::waitstatus_to_exitcode(os::wait().status), -SIGTERM);
}

}  // namespace
}  // namespace pyproc

// os.wait(), waitpid(), waitid(), wait3(), wait4() with real children that
// exit, are killed, stop and continue. Synchronised by the waits themselves
// (WUNTRACED, WSTOPPED, WCONTINUED) and by pipes (the helper's notify/await),
// never by sleeping. Expected values are what CPython 3.11 gives for the same
// children (checked with os.waitid()/os.waitpid() on the same helper runs).
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "pyproc/os.hpp"
#include "support/os_test_support.hpp"

namespace pyproc {
namespace {

using testing::kHelper;
using testing::raised;

class OsWait : public testing::OsTest {
 protected:
  // A helper child running `actions`; it can read go bytes from go_fd().
  pid_t start(std::vector<std::string> actions) {
    actions.insert(actions.begin(), "x");
    return os::spawnv(os::p_nowait, kHelper, actions);
  }
  std::string go_fd() const { return std::to_string(go_r_); }
  void go() { testing::give_token(go_); }
  void TearDown() override {
    ::close(go_r_);
    go_.close_read();
    go_.close_write();
    OsTest::TearDown();
  }

  testing::Pipe go_;
  int go_r_ = ::dup(go_.read_fd());  // inheritable, for the helper
  const uid_t uid_ = ::getuid();
};

constexpr int kSigchld = SIGCHLD;

// ---- waitpid ----

TEST_F(OsWait, WaitpidReturnsPidAndStatus) {
  const pid_t pid = start({"exit", "3"});
  EXPECT_EQ(os::waitpid(pid, 0), (os::WaitResult{pid, 3 << 8}));
  const pid_t killed = start({"kill", "TERM"});
  EXPECT_EQ(os::waitpid(killed, 0), (os::WaitResult{killed, SIGTERM}));
}

TEST_F(OsWait, WaitpidWnohangGivesZeroZeroWhileTheChildRuns) {
  const pid_t pid = start({"await", go_fd()});
  EXPECT_EQ(os::waitpid(pid, os::wnohang), (os::WaitResult{0, 0}));
  go();
  EXPECT_EQ(os::waitpid(pid, 0), (os::WaitResult{pid, 0}));
}

TEST_F(OsWait, WaitpidSeesStopAndContinue) {
  const pid_t pid = start({"stop", "await", go_fd(), "exit", "2"});
  const os::WaitResult stopped = os::waitpid(pid, os::wuntraced);
  EXPECT_EQ(stopped, (os::WaitResult{pid, 0x137f}));  // CPython: (pid, 4991)
  EXPECT_TRUE(os::wifstopped(stopped.status));
  EXPECT_EQ(os::wstopsig(stopped.status), SIGSTOP);
  EXPECT_EQ(raised([&] { os::waitstatus_to_exitcode(stopped.status); }),
            "ValueError: process stopped by delivery of signal 19");
  os::kill(pid, SIGCONT);
  const os::WaitResult continued = os::waitpid(pid, os::wcontinued);
  EXPECT_EQ(continued, (os::WaitResult{pid, 0xffff}));
  EXPECT_TRUE(os::wifcontinued(continued.status));
  go();
  EXPECT_EQ(os::waitpid(pid, 0), (os::WaitResult{pid, 2 << 8}));
}

TEST_F(OsWait, WaitpidForAnyChildAndForAProcessGroup) {
  const pid_t any = start({"exit", "4"});
  EXPECT_EQ(os::waitpid(-1, 0), (os::WaitResult{any, 4 << 8}));
  const pid_t same_group = start({"exit", "5"});
  EXPECT_EQ(os::waitpid(0, 0), (os::WaitResult{same_group, 5 << 8}));
  // A child in a group of its own: found through -pgid, not through 0.
  testing::Pipe ready;
  const int ready_w = ::dup(ready.write_fd());
  const pid_t leader = start({"new-pgrp", "notify", std::to_string(ready_w), "await", go_fd()});
  ::close(ready_w);
  testing::await_token(ready);
  // No child is left in our group: waitpid(0) has nothing to wait for.
  EXPECT_EQ(raised([] { os::waitpid(0, os::wnohang); }),
            "ChildProcessError: [Errno 10] No child processes");
  go();
  EXPECT_EQ(os::waitpid(-leader, 0), (os::WaitResult{leader, 0}));
}

TEST_F(OsWait, WaitWaitsForAnyChild) {
  const pid_t pid = start({"exit", "6"});
  EXPECT_EQ(os::wait(), (os::WaitResult{pid, 6 << 8}));
}

TEST_F(OsWait, NoChildIsChildProcessError) {
  const char* expected = "ChildProcessError: [Errno 10] No child processes";
  EXPECT_EQ(raised([] { os::wait(); }), expected);
  EXPECT_EQ(raised([] { os::waitpid(-1, 0); }), expected);
  EXPECT_EQ(raised([] { os::waitpid(-1, os::wnohang); }), expected);
  EXPECT_EQ(raised([] { os::waitpid(1, 0); }), expected);  // not our child
  EXPECT_EQ(raised([] { os::waitid(os::p_all, 0, os::wexited); }), expected);
  EXPECT_EQ(raised([] { os::waitid(os::p_all, 0, os::wexited | os::wnohang); }), expected);
  EXPECT_EQ(raised([] { os::wait3(0); }), expected);
  EXPECT_EQ(raised([] { os::wait4(12345678, 0); }), expected);
}

// ---- waitid ----

TEST_F(OsWait, WaitidDescribesAnExitAndAKill) {
  const pid_t pid = start({"exit", "3"});
  EXPECT_EQ(os::waitid(os::p_pid, static_cast<id_t>(pid), os::wexited),
            (os::WaitidResult{pid, uid_, kSigchld, 3, os::cld_exited}));
  const pid_t killed = start({"kill", "TERM"});
  EXPECT_EQ(os::waitid(os::p_pid, static_cast<id_t>(killed), os::wexited),
            (os::WaitidResult{killed, uid_, kSigchld, SIGTERM, os::cld_killed}));
}

TEST_F(OsWait, WaitidStoppedContinuedAndWnowait) {
  const pid_t pid = start({"stop", "await", go_fd(), "exit", "2"});
  const auto id = static_cast<id_t>(pid);
  EXPECT_EQ(os::waitid(os::p_pid, id, os::wstopped),
            (os::WaitidResult{pid, uid_, kSigchld, SIGSTOP, os::cld_stopped}));
  os::kill(pid, SIGCONT);
  EXPECT_EQ(os::waitid(os::p_pid, id, os::wcontinued),
            (os::WaitidResult{pid, uid_, kSigchld, SIGCONT, os::cld_continued}));
  go();
  // WNOWAIT reports without reaping: the same again, then waitpid reaps.
  const os::WaitidResult exited{pid, uid_, kSigchld, 2, os::cld_exited};
  EXPECT_EQ(os::waitid(os::p_pid, id, os::wexited | os::wnowait), exited);
  EXPECT_EQ(os::waitid(os::p_all, 0, os::wexited | os::wnowait), exited);
  EXPECT_EQ(os::waitpid(pid, 0), (os::WaitResult{pid, 2 << 8}));
}

TEST_F(OsWait, WaitidWnohangIsNulloptWhileTheChildRuns) {
  const pid_t pid = start({"await", go_fd()});
  EXPECT_EQ(os::waitid(os::p_pid, static_cast<id_t>(pid), os::wexited | os::wnohang), std::nullopt);
  go();
  EXPECT_EQ(os::waitid(os::p_all, 0, os::wexited)->pid, pid);
}

TEST_F(OsWait, WaitidByProcessGroupAndByPidfd) {
  const pid_t pid = start({"exit", "7"});
  EXPECT_EQ(os::waitid(os::p_pgid, static_cast<id_t>(::getpgrp()), os::wexited)->status, 7);
  const pid_t other = start({"exit", "8"});
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, other, 0));
  ASSERT_GE(pidfd, 0);
  EXPECT_EQ(os::waitid(os::p_pidfd, static_cast<id_t>(pidfd), os::wexited),
            (os::WaitidResult{other, uid_, kSigchld, 8, os::cld_exited}));
  ::close(pidfd);
  (void)pid;
}

TEST_F(OsWait, WaitidRejectsBadArguments) {
  const char* expected = "OSError: [Errno 22] Invalid argument";
  EXPECT_EQ(raised([] { os::waitid(os::p_pid, 1, 0); }), expected);  // no event asked for
  EXPECT_EQ(raised([] { os::waitid(7, 1, os::wexited); }), expected);
}

// ---- wait3 and wait4 ----

TEST_F(OsWait, Wait4ReportsResourceUsage) {
  const pid_t pid = start({"burn", "100000000", "exit", "9"});
  const os::Wait4Result result = os::wait4(pid, 0);
  EXPECT_EQ(result.pid, pid);
  EXPECT_EQ(result.status, 9 << 8);
  EXPECT_GT(result.rusage.ru_utime, 0.0);
  EXPECT_GE(result.rusage.ru_stime, 0.0);
  EXPECT_GT(result.rusage.ru_maxrss, 0);
  EXPECT_GT(result.rusage.ru_minflt, 0);
}

TEST_F(OsWait, Wait3WaitsForAnyChild) {
  const pid_t pid = start({"kill", "KILL"});
  const os::Wait4Result result = os::wait3(0);
  EXPECT_EQ(result.pid, pid);
  EXPECT_EQ(os::waitstatus_to_exitcode(result.status), -SIGKILL);
  EXPECT_GT(result.rusage.ru_maxrss, 0);
}

TEST_F(OsWait, WnohangWithNothingReadyGivesZerosEverywhere) {
  const pid_t pid = start({"await", go_fd()});
  for (const os::Wait4Result& r : {os::wait3(os::wnohang), os::wait4(pid, os::wnohang)}) {
    EXPECT_EQ(r.pid, 0);
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.rusage.ru_utime, 0.0);
    EXPECT_EQ(r.rusage.ru_maxrss, 0);
    EXPECT_EQ(r.rusage.ru_nivcsw, 0);
  }
  go();
  EXPECT_EQ(os::wait4(pid, 0).pid, pid);
}

TEST_F(OsWait, AStoppedChildThroughWait4) {
  const pid_t pid = start({"stop", "exit", "1"});
  EXPECT_EQ(os::wait4(pid, os::wuntraced).status, 0x137f);
  os::kill(pid, SIGCONT);
  EXPECT_EQ(os::wait4(pid, 0).status, 1 << 8);
}

}  // namespace
}  // namespace pyproc

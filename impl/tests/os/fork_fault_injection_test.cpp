// fork(), forkpty(), Process::start(), spawn*() and the process basics when
// system calls fail, through the seam (impl/src/core/syscalls.hpp): the error
// CPython raises, the after_in_parent hooks run before it (as CPython's
// os.fork() runs them), and no fd or child left behind (OsTest).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "core/at_fork.hpp"
#include "pyproc/multiprocessing/process.hpp"
#include "pyproc/os.hpp"
#include "support/os_test_support.hpp"

namespace pyproc {
namespace {

using ::testing::_;
using ::testing::Invoke;
using testing::kHelper;
using ::testing::NiceMock;
using testing::raised;
using ::testing::SetErrnoAndReturn;

// The seam's mock with the methods fork and the process basics added.
class ForkMockSyscalls : public testing::OsMockSyscalls {
 public:
  ForkMockSyscalls() {
    detail::Syscalls& real = detail::real_syscalls();
    ON_CALL(*this, openpty).WillByDefault(Invoke(&real, &Syscalls::openpty));
    ON_CALL(*this, getpgid).WillByDefault(Invoke(&real, &Syscalls::getpgid));
    ON_CALL(*this, getsid).WillByDefault(Invoke(&real, &Syscalls::getsid));
    ON_CALL(*this, setpgid).WillByDefault(Invoke(&real, &Syscalls::setpgid));
    ON_CALL(*this, setsid).WillByDefault(Invoke(&real, &Syscalls::setsid));
    ON_CALL(*this, getcwd).WillByDefault(Invoke(&real, &Syscalls::getcwd));
    ON_CALL(*this, chdir).WillByDefault(Invoke(&real, &Syscalls::chdir));
  }
  MOCK_METHOD(int, openpty, (int*, int*), (override));
  MOCK_METHOD(pid_t, getpgid, (pid_t), (override));
  MOCK_METHOD(pid_t, getsid, (pid_t), (override));
  MOCK_METHOD(int, setpgid, (pid_t, pid_t), (override));
  MOCK_METHOD(pid_t, setsid, (), (override));
  MOCK_METHOD(char*, getcwd, (char*, std::size_t), (override));
  MOCK_METHOD(int, chdir, (const char*), (override));
};

class ForkFaultInjection : public testing::OsTest {
 protected:
  // Every test registers the same two hooks, which log here.
  void SetUp() override {
    detail::clear_at_fork_hooks();
    os::register_at_fork([log = log_] { log->push_back("before"); },
                         [log = log_] { log->push_back("parent"); });
  }
  void TearDown() override {
    detail::clear_at_fork_hooks();
    OsTest::TearDown();
  }
  std::string hooks_ran() const {
    std::string out;
    for (const std::string& entry : *log_) out += (out.empty() ? "" : " ") + entry;
    return out;
  }
  NiceMock<ForkMockSyscalls> sys_;

 private:
  std::shared_ptr<std::vector<std::string>> log_ = std::make_shared<std::vector<std::string>>();
};

constexpr const char* kEagain = "BlockingIOError: [Errno 11] Resource temporarily unavailable";
constexpr const char* kEnomem = "OSError: [Errno 12] Cannot allocate memory";

TEST_F(ForkFaultInjection, ForkRaisesAfterTheAfterInParentHooks) {
  EXPECT_CALL(sys_, fork())
      .WillOnce(SetErrnoAndReturn(EAGAIN, -1))
      .WillOnce(SetErrnoAndReturn(ENOMEM, -1));
  EXPECT_EQ(raised([] { (void)os::fork(); }), kEagain);
  EXPECT_EQ(raised([] { (void)os::fork(); }), kEnomem);
  EXPECT_EQ(hooks_ran(), "before parent before parent");
}

TEST_F(ForkFaultInjection, ForkptyThatCannotOpenATerminalForksNothing) {
  EXPECT_CALL(sys_, openpty)
      .WillOnce(SetErrnoAndReturn(EMFILE, -1))
      .WillOnce(SetErrnoAndReturn(ENOENT, -1));
  EXPECT_CALL(sys_, fork()).Times(0);
  EXPECT_EQ(raised([] { (void)os::forkpty(); }), "OSError: [Errno 24] Too many open files");
  EXPECT_EQ(raised([] { (void)os::forkpty(); }),
            "FileNotFoundError: [Errno 2] No such file or directory");
  EXPECT_EQ(hooks_ran(), "before parent before parent");
}

TEST_F(ForkFaultInjection, ForkptyThatCannotForkClosesTheTerminal) {
  EXPECT_CALL(sys_, fork()).WillOnce(SetErrnoAndReturn(EAGAIN, -1));
  EXPECT_EQ(raised([] { (void)os::forkpty(); }), kEagain);
  EXPECT_EQ(hooks_ran(), "before parent");
  // (OsTest checks that both sides were closed.)
}

// CPython's os.forkpty() would raise FileNotFoundError here (it reads errno
// after the hooks); pyproc raises what the failed call set (pyproc/os/fork.hpp),
// in every launch that runs the hooks.
TEST_F(ForkFaultInjection, AHookThatChangesErrnoDoesNotChangeTheError) {
  os::register_at_fork(nullptr, [] { errno = ENOENT; });
  EXPECT_CALL(sys_, fork()).Times(3).WillRepeatedly(SetErrnoAndReturn(EAGAIN, -1));
  EXPECT_CALL(sys_, clone_vfork).WillOnce(SetErrnoAndReturn(EAGAIN, -1));
  EXPECT_EQ(raised([] { (void)os::fork(); }), kEagain);
  EXPECT_EQ(raised([] { (void)os::forkpty(); }), kEagain);
  Process p([] {});
  EXPECT_EQ(raised([&] { p.start(); }), kEagain);
  EXPECT_EQ(raised([] { os::spawnv(os::p_wait, kHelper, {"x"}); }), kEagain);
}

TEST_F(ForkFaultInjection, StartThatCannotForkRunsTheAfterInParentHooks) {
  EXPECT_CALL(sys_, fork()).WillOnce(SetErrnoAndReturn(EAGAIN, -1));
  Process p([] {});
  EXPECT_EQ(raised([&] { p.start(); }), kEagain);
  EXPECT_EQ(hooks_ran(), "before parent");
}

TEST_F(ForkFaultInjection, StartThatFailsAfterTheForkRunsNoChildHook) {
  // The child is killed before its go, so its after_in_child hook, which
  // would write to this pipe, never runs.
  testing::Pipe child_hook;
  os::register_at_fork(nullptr, nullptr, [&child_hook] { child_hook.write("ran"); });
  EXPECT_CALL(sys_, pidfd_open(_, _)).WillOnce(SetErrnoAndReturn(EMFILE, -1));
  Process p([] {});
  EXPECT_EQ(raised([&] { p.start(); }), "OSError: [Errno 24] Too many open files");
  EXPECT_EQ(hooks_ran(), "before parent");
  child_hook.close_write();
  EXPECT_EQ(child_hook.read_all(), "");
}

TEST_F(ForkFaultInjection, SpawnThatCannotLaunchRunsTheAfterInParentHooks) {
  EXPECT_CALL(sys_, clone_vfork).WillOnce(SetErrnoAndReturn(EAGAIN, -1));
  EXPECT_EQ(raised([] { os::spawnv(os::p_wait, kHelper, {"x"}); }), kEagain);
  EXPECT_EQ(hooks_ran(), "before parent");
}

// ---- the process basics ----

TEST_F(ForkFaultInjection, GroupAndSessionCallsRaiseTheirErrno) {
  EXPECT_CALL(sys_, getpgid(42)).WillOnce(SetErrnoAndReturn(ESRCH, -1));
  EXPECT_CALL(sys_, getsid(42)).WillOnce(SetErrnoAndReturn(EPERM, -1));
  EXPECT_CALL(sys_, setpgid(42, 7)).WillOnce(SetErrnoAndReturn(EACCES, -1));
  EXPECT_CALL(sys_, setsid()).WillOnce(SetErrnoAndReturn(EPERM, -1));
  EXPECT_EQ(raised([] { (void)os::getpgid(42); }), "ProcessLookupError: [Errno 3] No such process");
  EXPECT_EQ(raised([] { (void)os::getsid(42); }),
            "PermissionError: [Errno 1] Operation not permitted");
  EXPECT_EQ(raised([] { os::setpgid(42, 7); }), "PermissionError: [Errno 13] Permission denied");
  EXPECT_EQ(raised([] { os::setsid(); }), "PermissionError: [Errno 1] Operation not permitted");
  EXPECT_EQ(hooks_ran(), "");
}

TEST_F(ForkFaultInjection, GetcwdGrowsItsBufferWhileErange) {
  std::vector<std::size_t> sizes;
  EXPECT_CALL(sys_, getcwd)
      .Times(3)
      .WillRepeatedly(Invoke([&](char* buf, std::size_t size) -> char* {
        sizes.push_back(size);
        if (sizes.size() < 3) {
          errno = ERANGE;
          return nullptr;
        }
        return detail::real_syscalls().getcwd(buf, size);
      }));
  char real[4096];
  EXPECT_EQ(os::getcwd(), std::string(::getcwd(real, sizeof real)));
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1024, 2048, 3072}));
}

TEST_F(ForkFaultInjection, GetcwdAndChdirRaiseTheirErrno) {
  EXPECT_CALL(sys_, getcwd).WillOnce(SetErrnoAndReturn(EACCES, nullptr));
  EXPECT_CALL(sys_, chdir).WillOnce(SetErrnoAndReturn(EIO, -1));
  EXPECT_EQ(raised([] { (void)os::getcwd(); }), "PermissionError: [Errno 13] Permission denied");
  EXPECT_EQ(raised([] { os::chdir("/x"); }), "OSError: [Errno 5] Input/output error: '/x'");
}

}  // namespace
}  // namespace pyproc

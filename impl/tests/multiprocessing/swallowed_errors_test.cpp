// Errors pyproc must not let escape: from a destructor, from its atexit hook,
// and from a standard stream that throws when flushed before fork.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <streambuf>
#include <string>

#include "pyproc/multiprocessing/connection.hpp"
#include "pyproc/multiprocessing/process.hpp"
#include "support/test_support.hpp"

namespace pyproc {
namespace {

using ::testing::_;
using testing::await_token;
using testing::give_token;
using ::testing::Invoke;
using testing::MockSyscalls;
using ::testing::NiceMock;
using testing::Pipe;

// What waitid() reports for a stopped child (waitpid()'s status 0x137f);
// a wait for WEXITED never does, so waitstatus_to_exitcode() rejects it
// with ValueError.
void report_stopped(pid_t pid, siginfo_t* info) {
  info->si_pid = pid;
  info->si_code = CLD_STOPPED;
  info->si_status = SIGSTOP;
}

TEST(SwallowedErrors, DestructorIgnoresAnInvalidWaitStatus) {
  Pipe go;
  const int fds_before = testing::count_open_fds();
  auto p = std::make_unique<Process>([&] { await_token(go); });
  p->start();
  const pid_t pid = *p->pid();
  {
    NiceMock<MockSyscalls> sys;
    EXPECT_CALL(sys, waitid(_, _, _, _)).Times(::testing::AnyNumber());  // looks (WNOWAIT)
    EXPECT_CALL(sys, waitid(P_PIDFD, _, _, WEXITED | WNOHANG))
        .WillOnce(Invoke([pid](idtype_t, id_t, siginfo_t* info, int) {
          report_stopped(pid, info);
          return 0;
        }));
    EXPECT_NO_THROW(p.reset());
  }
  // The status counts as consumed, so the child is not handed to the
  // registry; the object's sentinel and pipe end are closed all the same.
  EXPECT_EQ(testing::count_open_fds(), fds_before);
  EXPECT_TRUE(active_children().empty());
  give_token(go);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// The real system calls, except that a reap (waitid(P_PIDFD) without
// WNOWAIT) reports `pid` stopped: the program that installs it has that one
// child, already reaped behind pyproc's back (its pidfd no longer names it).
// Hand-written rather than a gmock: it must stay installed while the helper
// exits, when gmock's registry would report it as a leaked mock.
class StoppedChildSyscalls final : public detail::Syscalls {
 public:
  explicit StoppedChildSyscalls(pid_t pid) : pid_(pid) {}
  pid_t fork() override { return real().fork(); }
  int pidfd_open(pid_t pid, unsigned int flags) override { return real().pidfd_open(pid, flags); }
  int pipe2(int fds[2], int flags) override { return real().pipe2(fds, flags); }
  pid_t waitpid(pid_t pid, int* status, int options) override {
    return real().waitpid(pid, status, options);
  }
  // The reap (waitid(P_PIDFD) without WNOWAIT) of the child says stopped,
  // and the cleanup()'s look for ended children says it ended.
  int waitid(idtype_t idtype, id_t id, siginfo_t* info, int options) override {
    if (idtype == P_ALL) {
      info->si_pid = pid_;
      return 0;
    }
    if (idtype == P_PIDFD && (options & WNOWAIT) == 0) {
      report_stopped(pid_, info);
      return 0;
    }
    return real().waitid(idtype, id, info, options);
  }
  int kill(pid_t pid, int sig) override { return real().kill(pid, sig); }
  int pidfd_send_signal(int pidfd, int sig) override {
    return real().pidfd_send_signal(pidfd, sig);
  }
  int poll(struct pollfd* fds, nfds_t nfds, int timeout_ms) override {
    return real().poll(fds, nfds, timeout_ms);
  }
  ssize_t write(int fd, const void* buf, std::size_t count) override {
    return real().write(fd, buf, count);
  }
  int close(int fd) override { return real().close(fd); }
  pid_t getpid() override { return real().getpid(); }

 private:
  static detail::Syscalls& real() { return detail::real_syscalls(); }
  pid_t pid_;
};

// A fresh "main program" forked from the test whose exit function raises:
// the atexit hook reports the exception as CPython's atexit module does, and
// the program still exits with the status it asked for.
TEST(SwallowedErrors, AtexitHookReportsAnExceptionAndExitingGoesOn) {
  Pipe err;
  (void)std::fflush(nullptr);  // or the helper's exit writes our buffered output again
  const pid_t helper = ::fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    testing::redirect_stderr(err);
    Process p([] {});
    p.start();
    const pid_t child = *p.pid();
    // The child has ended; reap it behind pyproc's back, so that the lie
    // below leaves no zombie.
    (void)connection::wait({p.sentinel()});
    int status = 0;
    (void)::waitpid(child, &status, 0);
    static StoppedChildSyscalls sys(child);  // static: still installed during exit
    detail::set_syscalls(&sys);
    std::exit(3);  // the exit function's cleanup() polls `p` and raises
  }
  err.close_write();
  const std::string text = err.read_all();
  int status = 0;
  ASSERT_EQ(::waitpid(helper, &status, 0), helper);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 3) << "wait status " << status;
  EXPECT_EQ(text,
            "Exception ignored in atexit callback: pyproc::detail::exit_function\n"
            "Traceback (most recent call last):\n"
            "  File \"<c++>\", in run\n"
            "ValueError: invalid wait status: 4991\n");
}

// A stream buffer whose flush always fails.
class FailingSync : public std::streambuf {
 protected:
  int sync() override { return -1; }
};

// util._flush_std_streams() ignores flush errors; so does start(), in the
// parent before fork and in the child before _exit.
TEST(SwallowedErrors, StartIgnoresAStreamThatThrowsOnFlush) {
  FailingSync failing;
  std::streambuf* const saved = std::cout.rdbuf(&failing);
  std::cout.exceptions(std::ios::badbit);
  Process p([] {});
  EXPECT_NO_THROW(p.start());
  const bool flush_failed = std::cout.bad();
  std::cout.exceptions(std::ios::goodbit);
  std::cout.clear();
  std::cout.rdbuf(saved);
  EXPECT_TRUE(flush_failed);  // the flush was attempted, and threw
  p.join();
  EXPECT_EQ(p.exitcode(), 0);
}

}  // namespace
}  // namespace pyproc

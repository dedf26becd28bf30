// os._exit(), abort(), kill(), killpg(), nice(), times(), the constants and
// the W* status helpers, against CPython 3.11's values (the tables below were
// printed by CPython 3.11.7 on Linux).
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "pyproc/os.hpp"
#include "support/os_test_support.hpp"

namespace pyproc {
namespace {

using testing::kHelper;
using testing::raised;
using testing::run_in_child;

class OsProcess : public testing::OsTest {};

// ---- constants ----

TEST(OsConstants, ValuesAsCPythonOnLinux) {
  static_assert(os::ex_ok == 0 && os::ex_usage == 64 && os::ex_dataerr == 65 &&
                os::ex_noinput == 66 && os::ex_nouser == 67 && os::ex_nohost == 68 &&
                os::ex_unavailable == 69 && os::ex_software == 70 && os::ex_oserr == 71 &&
                os::ex_osfile == 72 && os::ex_cantcreat == 73 && os::ex_ioerr == 74 &&
                os::ex_tempfail == 75 && os::ex_protocol == 76 && os::ex_noperm == 77 &&
                os::ex_config == 78);
  static_assert(os::p_wait == 0 && os::p_nowait == 1 && os::p_nowaito == 1);
  static_assert(os::p_all == 0 && os::p_pid == 1 && os::p_pgid == 2 && os::p_pidfd == 3);
  static_assert(os::wnohang == 1 && os::wuntraced == 2 && os::wstopped == 2 && os::wexited == 4 &&
                os::wcontinued == 8 && os::wnowait == 16777216);
  static_assert(os::cld_exited == 1 && os::cld_killed == 2 && os::cld_dumped == 3 &&
                os::cld_trapped == 4 && os::cld_stopped == 5 && os::cld_continued == 6);
  // They agree with the kernel's.
  EXPECT_EQ(os::p_pidfd, static_cast<int>(P_PIDFD));
  EXPECT_EQ(os::cld_continued, static_cast<int>(CLD_CONTINUED));
}

// ---- W* helpers and waitstatus_to_exitcode ----

struct StatusRow {
  int status;
  int coredump, continued, stopped, signaled, exited, exitstatus, stopsig, termsig;
  const char* exitcode;  // os.waitstatus_to_exitcode(): the value, or what it raised
};

TEST(OsStatus, HelpersAsCPython) {
  const StatusRow rows[] = {
      {0x0, 0, 0, 0, 0, 1, 0, 0, 0, "0"},
      {0x300, 0, 0, 0, 0, 1, 3, 3, 0, "3"},
      {0x9, 0, 0, 0, 1, 0, 0, 0, 9, "-9"},
      {0x86, 1, 0, 0, 1, 0, 0, 0, 6, "-6"},
      {0x137f, 0, 0, 1, 0, 0, 19, 19, 127, "ValueError: process stopped by delivery of signal 19"},
      {0xffff, 1, 1, 0, 0, 0, 255, 255, 127, "ValueError: invalid wait status: 65535"},
      {0x80, 1, 0, 0, 0, 1, 0, 0, 0, "0"},
      {0x7f, 0, 0, 1, 0, 0, 0, 0, 127, "ValueError: process stopped by delivery of signal 0"},
      {-1, 1, 0, 0, 0, 0, 255, 255, 127, "ValueError: invalid wait status: -1"},
      {0x10000, 0, 0, 0, 0, 1, 0, 0, 0, "0"},
      {0x8b, 1, 0, 0, 1, 0, 0, 0, 11, "-11"},
      {0xff00, 0, 0, 0, 0, 1, 255, 255, 0, "255"},
      {0xff, 1, 0, 0, 0, 0, 0, 0, 127, "ValueError: invalid wait status: 255"},
      {0x17f, 0, 0, 1, 0, 0, 1, 1, 127, "ValueError: process stopped by delivery of signal 1"},
  };
  for (const StatusRow& r : rows) {
    SCOPED_TRACE(r.status);
    EXPECT_EQ(os::wcoredump(r.status), r.coredump != 0);
    EXPECT_EQ(os::wifcontinued(r.status), r.continued != 0);
    EXPECT_EQ(os::wifstopped(r.status), r.stopped != 0);
    EXPECT_EQ(os::wifsignaled(r.status), r.signaled != 0);
    EXPECT_EQ(os::wifexited(r.status), r.exited != 0);
    EXPECT_EQ(os::wexitstatus(r.status), r.exitstatus);
    EXPECT_EQ(os::wstopsig(r.status), r.stopsig);
    EXPECT_EQ(os::wtermsig(r.status), r.termsig);
    std::string exitcode;
    const std::string error =
        raised([&] { exitcode = std::to_string(os::waitstatus_to_exitcode(r.status)); });
    EXPECT_EQ(error.empty() ? exitcode : error, r.exitcode);
  }
}

// ---- _exit and abort (in a forked child: they end the process) ----

TEST_F(OsProcess, ExitEndsAtOnceWithoutFlushing) {
  const auto run = run_in_child([] {
    std::fputs("stdio buffer", stdout);
    std::cout << "iostream buffer";
    os::_exit(os::ex_software);
  });
  EXPECT_EQ(run.output, "");
  EXPECT_TRUE(os::wifexited(run.status));
  EXPECT_EQ(os::wexitstatus(run.status), 70);
}

TEST_F(OsProcess, ExitKeepsTheLow8Bits) {
  EXPECT_EQ(os::wexitstatus(run_in_child([] { os::_exit(256 + 3); }).status), 3);
  EXPECT_EQ(os::wexitstatus(run_in_child([] { os::_exit(-1); }).status), 255);
}

void write_handled(int) {
  const char text[] = "handler ran\n";
  (void)!::write(STDOUT_FILENO, text, sizeof text - 1);
}

TEST_F(OsProcess, AbortIsSigabrtAndSkipsTheHandler) {
  const auto run = run_in_child([] {
    struct sigaction handled {};
    handled.sa_handler = write_handled;
    ::sigaction(SIGABRT, &handled, nullptr);
    std::fputs("not flushed", stdout);
    os::abort();
  });
  EXPECT_EQ(run.output, "");
  EXPECT_TRUE(os::wifsignaled(run.status));
  EXPECT_EQ(os::wtermsig(run.status), SIGABRT);
}

TEST_F(OsProcess, AbortEvenWhenSigabrtIsBlockedOrIgnored) {
  const auto blocked = run_in_child([] {
    sigset_t abrt;
    sigemptyset(&abrt);
    sigaddset(&abrt, SIGABRT);
    ::sigprocmask(SIG_BLOCK, &abrt, nullptr);
    os::abort();
  });
  EXPECT_EQ(os::wtermsig(blocked.status), SIGABRT);
  const auto ignored = run_in_child([] {
    ::signal(SIGABRT, SIG_IGN);
    os::abort();
  });
  EXPECT_EQ(os::wtermsig(ignored.status), SIGABRT);
}

// ---- kill and killpg ----

TEST_F(OsProcess, KillSendsTheSignal) {
  const pid_t pid = os::spawnv(os::p_nowait, kHelper, {"x", "wait-signal"});
  os::kill(pid, 0);  // exists
  os::kill(pid, SIGTERM);
  const auto [waited, status] = os::waitpid(pid, 0);
  EXPECT_EQ(waited, pid);
  EXPECT_EQ(os::waitstatus_to_exitcode(status), -SIGTERM);
}

TEST_F(OsProcess, KillErrors) {
  // A pid that cannot exist (above pid_max's ceiling).
  EXPECT_EQ(raised([] { os::kill(99999999, 0); }), "ProcessLookupError: [Errno 3] No such process");
  EXPECT_EQ(raised([] { os::kill(::getpid(), 999); }), "OSError: [Errno 22] Invalid argument");
  EXPECT_EQ(raised([] { os::killpg(99999999, 0); }),
            "ProcessLookupError: [Errno 3] No such process");
  EXPECT_EQ(raised([] { os::killpg(-5, 0); }), "OSError: [Errno 22] Invalid argument");
  EXPECT_EQ(raised([] { os::killpg(::getpgrp(), 999); }), "OSError: [Errno 22] Invalid argument");
}

TEST_F(OsProcess, KillWithoutPermission) {
  // As an unprivileged user (this test may run as root), init cannot be signalled.
  const auto run = run_in_child([] {
    if (::setuid(65534) != 0) return;
    os::kill(1, 0);
  });
  EXPECT_EQ(run.output, "raised: PermissionError: [Errno 1] Operation not permitted\n");
}

TEST_F(OsProcess, KillpgSignalsTheWholeGroup) {
  // The helper makes its own group and says so; then the group is signalled.
  testing::Pipe ready;
  const int ready_w = ::dup(ready.write_fd());
  const pid_t pid = os::spawnv(os::p_nowait, kHelper,
                               {"x", "new-pgrp", "notify", std::to_string(ready_w), "wait-signal"});
  ::close(ready_w);
  testing::await_token(ready);
  os::killpg(pid, SIGUSR1);
  EXPECT_EQ(os::waitstatus_to_exitcode(os::waitpid(pid, 0).status), -SIGUSR1);
}

// ---- nice ----

TEST_F(OsProcess, NiceAddsAndReturnsTheNewNiceness) {
  const int before = ::getpriority(PRIO_PROCESS, 0);
  EXPECT_EQ(os::nice(0), before);
  EXPECT_EQ(os::nice(1), before + 1);
  EXPECT_EQ(os::nice(100), 19);  // clamped
  // A spawned program inherits it.
  testing::StdoutCapture out;
  os::spawnv(os::p_wait, kHelper, {"x", "niceness"});
  EXPECT_EQ(out.text(), "niceness 19\n");
}

TEST_F(OsProcess, NiceCannotBeLoweredWithoutPrivilege) {
  const auto run = run_in_child([] {
    const rlimit no_lowering{0, 0};  // whatever limit the test runs under
    ::setrlimit(RLIMIT_NICE, &no_lowering);
    if (::setuid(65534) != 0) return;
    os::nice(-1);
  });
  EXPECT_EQ(run.output, "raised: PermissionError: [Errno 1] Operation not permitted\n");
}

// ---- times ----

TEST_F(OsProcess, TimesCountsWaitedForChildren) {
  const os::TimesResult before = os::times();
  EXPECT_GE(before.user, 0.0);
  EXPECT_GE(before.system, 0.0);
  EXPECT_GT(before.elapsed, 0.0);
  // Enough CPU for several clock ticks (10 ms each).
  EXPECT_EQ(os::spawnv(os::p_wait, kHelper, {"x", "burn", "300000000"}), 0);
  const os::TimesResult after = os::times();
  EXPECT_GT(after.children_user + after.children_system,
            before.children_user + before.children_system);
  EXPECT_GT(after.elapsed, before.elapsed);
}

}  // namespace
}  // namespace pyproc

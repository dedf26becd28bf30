// Drivers that try to escape or outlast their case (spec/protocol.md §8):
// whatever a case does with sessions, process groups, its supervisor or its
// output, nothing of it outlives the case, the time limit holds, and the
// harness never blocks on a wait it does not bound. Every test runs on both
// isolation paths: a PID namespace per case, and the subreaper fallback.
#include <gtest/gtest.h>
#include <linux/sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "harness/case_run.hpp"
#include "scratch_case.hpp"

namespace {

using pyproc::harness::Isolation;
using pyproc::harness::IsolationOptions;
using pyproc::harness::Outcome;
using pyproc::harness::testing_support::ScratchCase;
using pyproc::harness::testing_support::WitnessFifo;

// Whether this machine lets us make a PID namespace (root, or CAP_SYS_ADMIN).
bool pid_namespaces_allowed() {
  clone_args args{};
  args.flags = CLONE_NEWPID;
  args.exit_signal = SIGCHLD;
  const long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) ::_exit(0);
  if (pid < 0) return false;
  ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
  return true;
}

class HarnessIsolation : public ScratchCase, public testing::WithParamInterface<Isolation> {
 protected:
  void SetUp() override {
    static const bool allowed = pid_namespaces_allowed();
    if (namespaced() && !allowed)
      GTEST_SKIP() << "this machine does not allow PID namespaces; the subreaper path is tested";
    ScratchCase::SetUp();
  }

  pyproc::harness::CaseResult run_hostile(const std::string& driver,
                                          IsolationOptions options = {}) {
    options.isolation = GetParam();
    return run(driver, {}, options, HOSTILE_DRIVERS_DIR);
  }
  [[nodiscard]] bool namespaced() const { return GetParam() == Isolation::PidNamespace; }
};

TEST_P(HarnessIsolation, AProcessInASessionOfItsOwnIsALeakAndIsEnded) {
  WitnessFifo witness(path("9001.alive"));
  const auto result = run_hostile("escape_setsid.sh");
  EXPECT_EQ(result.outcome, Outcome::Leak) << result.detail;
  EXPECT_NE(result.detail.find("1 process(es)"), std::string::npos) << result.detail;
  EXPECT_TRUE(witness.all_writers_gone()) << "the escaped process outlived its case";
  EXPECT_EQ(witness.written(), "escaped\n");
}

TEST_P(HarnessIsolation, ADriverInTheHarnesssProcessGroupStillMeetsItsTimeout) {
  write("9001.harness-pgid", std::to_string(::getpgrp()));
  use_short_timeout();
  const auto result = run_hostile("join_harness_group.sh");
  EXPECT_EQ(result.outcome, Outcome::Hung) << result.detail;
  EXPECT_NE(::getpgrp(), 0);  // and the harness is still here to say so
}

TEST_P(HarnessIsolation, AZombieUnderAnEscapedProcessDoesNotBlockTheHarness) {
  WitnessFifo witness(path("9001.alive"));
  const auto result = run_hostile("orphan_unreaped.sh");
  EXPECT_EQ(result.outcome, Outcome::Leak) << result.detail;
  EXPECT_TRUE(witness.all_writers_gone());
  EXPECT_EQ(witness.written(), "escaped\n");
}

TEST_P(HarnessIsolation, TwoHundredProcessesHalfInSessionsOfTheirOwnAreAllEnded) {
  WitnessFifo witness(path("9001.alive"));
  // Starting 200 processes takes a while on a loaded machine: give it time.
  write("9001.json", R"({"id": "9001", "title": "a storm", "timeout": 60, "steps": []})");
  write("expected/9001.json", R"({"case": "9001", "streams": {}})");
  write("9001.driver-output", R"({"protocol": 1, "case": "9001", "streams": {}})");
  const auto result = run_hostile("fork_storm.sh");
  EXPECT_EQ(result.outcome, Outcome::Leak) << result.detail;
  EXPECT_NE(result.detail.find("200 process(es)"), std::string::npos) << result.detail;
  EXPECT_TRUE(witness.all_writers_gone()) << "a process of the storm outlived its case";
  EXPECT_EQ(witness.written(), "started\n");
}

TEST_P(HarnessIsolation, ACaseThatKillsItsSupervisorStillEndsCompletely) {
  WitnessFifo witness(path("9001.alive"));
  const auto result = run_hostile("kill_supervisor.sh");
  // Pid 1 of a namespace cannot be killed from inside it: the case only
  // leaks. A subreaper can: the case is a CRASH that says so.
  if (namespaced()) {
    EXPECT_EQ(result.outcome, Outcome::Leak) << result.detail;
  } else {
    EXPECT_EQ(result.outcome, Outcome::Crash) << result.detail;
    EXPECT_NE(result.detail.find("killed its warden"), std::string::npos) << result.detail;
  }
  EXPECT_TRUE(witness.all_writers_gone()) << "a process of the case outlived it";
  EXPECT_EQ(witness.written(), "escaped\n");
}

TEST_P(HarnessIsolation, EndlessOutputIsACrashAtTheLimitNotExhaustedMemory) {
  const auto result = run_hostile(
      "flood.sh",
      {.isolation = {}, .environment = {}, .working_directory = {}, .max_output_bytes = 1u << 20});
  EXPECT_EQ(result.outcome, Outcome::Crash) << result.detail;
  EXPECT_NE(result.detail.find("more than 1048576 bytes"), std::string::npos) << result.detail;
}

TEST_P(HarnessIsolation, AWellBehavedDriverPasses) {
  const auto result = run_hostile("../fake_drivers/echo_doc.sh");
  EXPECT_EQ(result.outcome, Outcome::Pass) << result.detail;
}

INSTANTIATE_TEST_SUITE_P(BothPaths, HarnessIsolation,
                         testing::Values(Isolation::PidNamespace, Isolation::Subreaper),
                         [](const auto& info) {
                           return info.param == Isolation::PidNamespace ? "PidNamespace"
                                                                        : "Subreaper";
                         });

}  // namespace

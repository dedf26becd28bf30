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
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "harness/case_run.hpp"
#include "scratch_case.hpp"

namespace {

using pyproc::harness::Isolation;
using pyproc::harness::IsolationOptions;
using pyproc::harness::Outcome;
using pyproc::harness::testing_support::ScratchCase;
using pyproc::harness::testing_support::WitnessFifo;

// Whether this machine lets us make a PID namespace: as root, or as anyone
// inside a user namespace of their own where the kernel allows that.
bool pid_namespaces_allowed() {
  clone_args args{};
  args.flags = CLONE_NEWPID | (::geteuid() != 0 ? CLONE_NEWUSER : 0);
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

// Forgery (issue 18): a driver rewrites the expected file of a case that has
// not started yet. The runner read it before the first driver started, and in
// a PID namespace the driver's view of the machine is read-only.
TEST_P(HarnessIsolation, ADriverCannotForgeTheExpectedFileOfALaterCase) {
  write("9002.json", R"({"id": "9002", "title": "genuine", "timeout": 60, "steps": []})");
  write("expected/9001.json", R"({"case": "9001", "streams": {"main": [{"value": "refused"}]}})");
  const std::string genuine = R"({"case": "9002", "streams": {"main": [{"value": "genuine"}]}})";
  write("expected/9002.json", genuine);
  // As a runner does: both read before either driver runs.
  std::vector<std::shared_ptr<const pyproc::harness::CaseFiles>> files;
  for (const char* id : {"9001", "9002"})
    files.push_back(std::make_shared<const pyproc::harness::CaseFiles>(
        pyproc::harness::read_case_files(path(std::string(id) + ".json"), path("expected"))));
  pyproc::harness::CaseResult results[2];
  for (int i = 0; i < 2; ++i) {
    pyproc::harness::CaseRequest request{path(i == 0 ? "9001.json" : "9002.json"),
                                         path("expected"),
                                         {HOSTILE_DRIVERS_DIR "/forge_next_expected.sh"},
                                         {},
                                         {.isolation = GetParam()}};
    request.files = files[static_cast<std::size_t>(i)];
    results[i] = pyproc::harness::run_case(request);
  }
  EXPECT_EQ(results[1].outcome, Outcome::Fail) << results[1].detail;
  if (namespaced()) {
    EXPECT_EQ(results[0].outcome, Outcome::Pass) << "the write was not refused";
    std::ifstream in(path("expected/9002.json"));
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), genuine);
  }
}

// Non-root isolation (issue 18): in a PID namespace (a user namespace's for
// a runner that is not root) no signal of the driver reaches the runner, so
// nothing can stop its clock, and its memory is closed to the driver; so is
// every file but its scratch directory. As a subreaper, the runner's memory
// is still closed to a driver of the same user (it is not dumpable), but a
// signal reaches it (§8 says so).
TEST_P(HarnessIsolation, ADriverCannotReachTheRunner) {
  write("9001.runner-pid", std::to_string(::getpid()));
  write(
      "expected/9001.json",
      R"({"case": "9001", "streams": {"main": [{"value": ["unreachable", "unreadable", "read-only"]}]}})");
  const auto result = run_hostile("reach_runner.sh");
  if (namespaced()) {
    EXPECT_EQ(result.outcome, Outcome::Pass) << result.detail;
  } else if (::geteuid() != 0) {
    ASSERT_TRUE(result.actual.is_object()) << result.detail;
    EXPECT_EQ(result.actual["main"][0]["value"][1], "unreadable") << result.detail;
  } else {
    GTEST_SKIP() << "root reaches everything without namespaces; .ci/test runs this as 65534";
  }
}

// What the read-only view leaves writable besides the scratch directory: the
// drivers' cache and what the runner lists in PYPROC_DRIVER_WRITABLE (a
// coverage build's directory, where an instrumented driver writes counters).
TEST_P(HarnessIsolation, TheDriversCacheAndListedDirectoriesStayWritable) {
  std::filesystem::create_directories(path("writable"));
  write("expected/9001.json",
        R"({"case": "9001", "streams": {"main": [{"value": ["written", "written"]}]}})");
  ::setenv("PYPROC_DRIVER_WRITABLE", path("writable").c_str(), 1);
  pyproc::harness::CaseRequest request{path("9001.json"),
                                       path("expected"),
                                       {FAKE_DRIVERS_DIR "/write_probe.sh"},
                                       {},
                                       {.isolation = GetParam()}};
  request.environment = {"PROBE_DIR=" + path("writable").string()};
  const auto result = pyproc::harness::run_case(request);
  ::unsetenv("PYPROC_DRIVER_WRITABLE");
  ASSERT_FALSE(pyproc::harness::driver_cache_directory().empty());
  EXPECT_EQ(result.outcome, Outcome::Pass) << result.detail;
}

INSTANTIATE_TEST_SUITE_P(BothPaths, HarnessIsolation,
                         testing::Values(Isolation::PidNamespace, Isolation::Subreaper),
                         [](const auto& info) {
                           return info.param == Isolation::PidNamespace ? "PidNamespace"
                                                                        : "Subreaper";
                         });

}  // namespace

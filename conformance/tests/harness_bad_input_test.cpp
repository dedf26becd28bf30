// Every kind of bad input gives a clear outcome for that case alone, and
// nothing is left running: malformed case, missing expected file, and a driver
// that crashes, hangs, prints garbage, exits early or leaks a process.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "harness/case_run.hpp"
#include "scratch_case.hpp"

namespace fs = std::filesystem;
using pyproc::harness::Outcome;
using pyproc::harness::run_case;

namespace {

using HarnessBadInput = pyproc::harness::testing_support::ScratchCase;

TEST_F(HarnessBadInput, MatchingOutputPasses) {
  auto result = run("echo_doc.sh");
  EXPECT_EQ(result.outcome, Outcome::Pass) << result.detail;
  EXPECT_EQ(result.title, "a scratch case");
}

TEST_F(HarnessBadInput, DifferentOutputFailsNamingStepExpectedAndActual) {
  write("9001.driver-output",
        R"({"protocol": 1, "case": "9001", "streams": {"main": [{"raised":
            {"type": "ValueError", "message": "nope"}}]}})");
  auto result = run("echo_doc.sh");
  EXPECT_EQ(result.outcome, Outcome::Fail);
  EXPECT_NE(result.detail.find("process 'main', step 0"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find(R"("op":"new")"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("expected: {\"value\":null}"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("nope"), std::string::npos) << result.detail;
}

TEST_F(HarnessBadInput, MissingObservationIsAFailure) {
  write("9001.driver-output", R"({"protocol": 1, "case": "9001", "streams": {"main": []}})");
  auto result = run("echo_doc.sh");
  EXPECT_EQ(result.outcome, Outcome::Fail);
  EXPECT_NE(result.detail.find("no observation"), std::string::npos) << result.detail;
}

TEST_F(HarnessBadInput, DeclaredDeviationTurnsFailureIntoXfail) {
  write("9001.driver-output", R"({"protocol": 1, "case": "9001", "streams": {"main": []}})");
  auto result = run("echo_doc.sh", {{"9001", "cannot be matched because ..."}});
  EXPECT_EQ(result.outcome, Outcome::XFail);
  EXPECT_NE(result.detail.find("cannot be matched because"), std::string::npos);
}

TEST_F(HarnessBadInput, DeclaredDeviationThatPassesIsXpass) {
  auto result = run("echo_doc.sh", {{"9001", "stale reason"}});
  EXPECT_EQ(result.outcome, Outcome::XPass);
  EXPECT_FALSE(pyproc::harness::is_success(result.outcome));
  EXPECT_NE(result.detail.find("remove the deviation"), std::string::npos);
}

TEST_F(HarnessBadInput, MalformedCaseNamesFileAndPosition) {
  write("9001.json", "{\n  \"id\": \"9001\",\n  \"title\": oops\n}");
  auto result = run("echo_doc.sh");
  EXPECT_EQ(result.outcome, Outcome::Error);
  EXPECT_NE(result.detail.find("9001.json:3:"), std::string::npos) << result.detail;
}

TEST_F(HarnessBadInput, CaseWhoseIdIsNotItsFileNameIsAnError) {
  write("9001.json", R"({"id": "9002", "title": "t", "steps": []})");
  auto result = run("echo_doc.sh");
  EXPECT_EQ(result.outcome, Outcome::Error);
  EXPECT_NE(result.detail.find("9002"), std::string::npos) << result.detail;
}

TEST_F(HarnessBadInput, MissingExpectedFileSaysHowToGenerateIt) {
  fs::remove(dir_ / "expected/9001.json");
  auto result = run("echo_doc.sh");
  EXPECT_EQ(result.outcome, Outcome::Error);
  EXPECT_NE(result.detail.find("python3 oracle/generate.py 9001"), std::string::npos)
      << result.detail;
}

TEST_F(HarnessBadInput, CrashingDriverShowsStatusAndStderr) {
  auto result = run("crash.sh");
  EXPECT_EQ(result.outcome, Outcome::Crash);
  EXPECT_NE(result.detail.find("status 3"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("something broke"), std::string::npos) << result.detail;
}

TEST_F(HarnessBadInput, ACrashShowsWhatTheDriverPrintedAndLeftBeforeIt) {
  auto result = run("crash_after_output.sh");
  ASSERT_EQ(result.outcome, Outcome::Crash) << result.detail;
  EXPECT_NE(result.detail.find("signal 11 (SIGSEGV)"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("printed on stdout before it ended"), std::string::npos)
      << result.detail;
  EXPECT_NE(result.detail.find(R"(main: [{"value":4242}])"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("main-stderr (67 bytes)"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("ValueError: child saw something"), std::string::npos)
      << result.detail;
  EXPECT_NE(result.detail.find("about to join the child"), std::string::npos) << result.detail;
}

TEST_F(HarnessBadInput, MissingDriverIsACrashNotAnAbort) {
  auto result = run("no-such-driver.sh");
  EXPECT_EQ(result.outcome, Outcome::Crash);
  EXPECT_NE(result.detail.find("no-such-driver.sh"), std::string::npos) << result.detail;
}

TEST_F(HarnessBadInput, HangingDriverIsKilledAtTheTimeout) {
  use_short_timeout();
  auto result = run("hang.sh");
  EXPECT_EQ(result.outcome, Outcome::Hung);
  EXPECT_NE(result.detail.find("no answer within 0.5 s"), std::string::npos) << result.detail;
}

TEST_F(HarnessBadInput, GarbageOutputIsACrashQuotingIt) {
  auto result = run("garbage.sh");
  EXPECT_EQ(result.outcome, Outcome::Crash);
  EXPECT_NE(result.detail.find("this is not JSON"), std::string::npos) << result.detail;
}

TEST_F(HarnessBadInput, EarlyExitWithoutOutputIsACrash) {
  auto result = run("silent.sh");
  EXPECT_EQ(result.outcome, Outcome::Crash);
}

TEST_F(HarnessBadInput, WrongObservationShapeIsACrash) {
  write("9001.driver-output", R"({"protocol": 1, "case": "9001", "streams": {"main": [42]}})");
  auto result = run("echo_doc.sh");
  EXPECT_EQ(result.outcome, Outcome::Crash);
  EXPECT_NE(result.detail.find("holds 42"), std::string::npos) << result.detail;
}

TEST_F(HarnessBadInput, UnsupportedIsReportedAsSuch) {
  write("9001.driver-output", R"({"protocol": 1, "case": "9001", "unsupported": "no fork"})");
  auto result = run("echo_doc.sh");
  EXPECT_EQ(result.outcome, Outcome::Unsupported);
  EXPECT_NE(result.detail.find("no fork"), std::string::npos);
}

TEST_F(HarnessBadInput, LeftoverProcessIsALeakAndGetsKilled) {
  pyproc::harness::testing_support::WitnessFifo witness(path("9001.alive"));
  auto result = run("leak.sh");
  EXPECT_EQ(result.outcome, Outcome::Leak) << result.detail;
  EXPECT_NE(result.detail.find("1 process(es)"), std::string::npos) << result.detail;
  EXPECT_TRUE(witness.all_writers_gone()) << "the leaked process is still there";
  EXPECT_EQ(witness.written(), "leaked\n");
}

TEST_F(HarnessBadInput, LeaksTheDriverReportsAreALeak) {
  write("9001.driver-output",
        R"json({"protocol": 1, "case": "9001", "leaks": ["fd 7 left open (pidfd)"],
            "streams": {"main": [{"value": null}]}})json");
  auto result = run("echo_doc.sh");
  EXPECT_EQ(result.outcome, Outcome::Leak);
  EXPECT_NE(result.detail.find("fd 7 left open"), std::string::npos) << result.detail;
}

// The real C++ driver, not a fake: an op it does not know makes the case
// UNSUPPORTED (and runs nothing); a step it cannot read is a CRASH whose
// message names the case file.
TEST_F(HarnessBadInput, RealDriverReportsAnUnknownOpAsUnsupported) {
  write("9001.json", R"({"id": "9001", "title": "t", "steps": [{"op": "exti", "code": 1}]})");
  auto result = run(PYPROC_DRIVER);
  EXPECT_EQ(result.outcome, Outcome::Unsupported) << result.detail;
  EXPECT_NE(result.detail.find("exti"), std::string::npos) << result.detail;
}

TEST_F(HarnessBadInput, RealDriverNamesTheCaseFileWhenAStepIsMalformed) {
  write("9001.json", R"({"id": "9001", "title": "t", "steps": [{"op": "new"}]})");
  auto result = run(PYPROC_DRIVER);
  EXPECT_EQ(result.outcome, Outcome::Crash) << result.detail;
  EXPECT_NE(result.detail.find("9001.json"), std::string::npos) << result.detail;
}

TEST_F(HarnessBadInput, TheDriverRunsInAScratchDirectoryThatIsRemovedAfter) {
  write("expected/9001.json",
        R"({"case": "9001", "streams": {"main": [{"value": ["<tmp>", "<tmp>", "<helper>"]}]}})");
  setenv("PYPROC_HELPER", "/opt/helpers/pyproc-helper", 1);
  pyproc::harness::testing_support::WitnessFifo path_fifo(dir_ / "9001.scratch-path");
  auto result = run("scratch_probe.sh");
  unsetenv("PYPROC_HELPER");
  EXPECT_EQ(result.outcome, Outcome::Pass) << result.detail;
  EXPECT_TRUE(path_fifo.all_writers_gone());
  std::string scratch = path_fifo.written();
  ASSERT_FALSE(scratch.empty());
  scratch.pop_back();  // its newline
  EXPECT_NE(scratch, dir_.string());
  EXPECT_FALSE(fs::exists(scratch)) << scratch << " is still there";
}

TEST(HarnessDeviations, ReasonIsRequired) {
  auto path = fs::temp_directory_path() / ("pyproc-deviations-" + std::to_string(::getpid()));
  std::ofstream(path) << R"({"0001": ""})";
  EXPECT_THROW(pyproc::harness::read_deviations(path), std::runtime_error);
  fs::remove(path);
}

TEST(HarnessDeviations, AMissingFileIsAnErrorNotAnEmptyList) {
  EXPECT_THROW(pyproc::harness::read_deviations("/nonexistent/deviations.json"),
               std::runtime_error);
}

TEST(HarnessDeviations, AnEntryForACaseThatDoesNotExistIsFound) {
  const std::vector<fs::path> cases{"cases/0001.json", "cases/0002.json"};
  EXPECT_EQ(pyproc::harness::unknown_deviations({{"0002", "why"}, {"0003", "why"}}, cases),
            std::vector<std::string>{"0003"});
}

}  // namespace

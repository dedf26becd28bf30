// Steps that only set a case up (spec/protocol.md §2 "setup", §7): a case
// whose streams first differ at such steps, and nowhere else first, is
// UNRESOLVED, naming the step; a difference at a checking step first, in any
// stream, or a stream on one side only, is a FAIL as ever; a declared
// deviation still excuses the case (XFAIL).
#include <gtest/gtest.h>

#include <string>

#include "harness/case_run.hpp"
#include "harness/deviations.hpp"
#include "scratch_case.hpp"

namespace {

using pyproc::harness::Outcome;

// Case 9001: main makes p (whose target observes twice, its first step a
// setup step), waits for it with os.waitid (setup), then checks two values.
const char* kCase = R"({"id": "9001", "title": "a scratch case", "clauses": ["MP-001"],
  "timeout": 60, "steps": [
  {"op": "new", "proc": "p", "target": [
    {"op": "await", "event": "go", "setup": true},
    {"op": "call", "function": "os.getpid"}]},
  {"op": "start", "proc": "p", "setup": true},
  {"op": "call", "function": "os.waitid", "args": [1, 2, 4], "setup": true},
  {"op": "get", "proc": "p", "attr": "exitcode"},
  {"op": "repr", "proc": "p", "setup": false}]})";

const char* kExpected = R"({"main": [{"value": null}, {"value": null}, {"value": 1},
  {"value": 0}, {"value": "r"}], "p": [{"value": null}, {"value": 7}]})";

class HarnessSetup : public pyproc::harness::testing_support::ScratchCase {
 protected:
  void SetUp() override {
    ScratchCase::SetUp();
    write("9001.json", kCase);
    write("expected/9001.json", std::string(R"({"case": "9001", "streams": )") + kExpected + "}");
  }
  // The scripted driver prints `main` and `p` (JSON arrays; empty: no stream).
  pyproc::harness::CaseResult judge(const std::string& main, const std::string& p,
                                    pyproc::harness::Deviations deviations = {}) {
    write("9001.driver-output", R"({"protocol": 3, "case": "9001", "pids": [], "streams": )"
                                R"({"main": )" +
                                    main + (p.empty() ? "" : R"(, "p": )" + p) + "}}");
    return run("echo_doc.sh", std::move(deviations));
  }
};

const std::string kMain = R"([{"value": null}, {"value": null}, {"value": 1}, {"value": 0},
  {"value": "r"}])";
const std::string kP = R"([{"value": null}, {"value": 7}])";
const std::string kNoWaitid =
    R"({"raised": {"type": "AttributeError", "message": "module 'os' has no attribute 'waitid'"}})";

TEST_F(HarnessSetup, TheExpectedStreamsPass) { EXPECT_EQ(judge(kMain, kP).outcome, Outcome::Pass); }

TEST_F(HarnessSetup, ADifferenceOnlyAtASetupStepIsUnresolvedAndNamesIt) {
  const auto result = judge(R"([{"value": null}, {"value": null}, )" + std::string(kNoWaitid) +
                                R"(, {"value": 0}, {"value": "r"}])",
                            kP);
  EXPECT_EQ(result.outcome, Outcome::Unresolved) << result.detail;
  EXPECT_EQ(
      result.detail.rfind("setup step main[2] (os.waitid) differs: process 'main', step 2", 0), 0u)
      << result.detail;
  EXPECT_NE(result.detail.find("has no attribute 'waitid'"), std::string::npos) << result.detail;
  EXPECT_FALSE(pyproc::harness::is_success(result.outcome));
  EXPECT_EQ(pyproc::harness::outcome_name(result.outcome), std::string("UNRESOLVED"));
}

TEST_F(HarnessSetup, LaterDifferencesInTheSameStreamAreTakenAsItsConsequences) {
  const auto result = judge(R"([{"value": null}, {"value": null}, )" + std::string(kNoWaitid) +
                                R"(, {"value": null}, {"value": "s"}])",
                            kP);
  EXPECT_EQ(result.outcome, Outcome::Unresolved) << result.detail;
  EXPECT_NE(result.detail.find("process 'main', step 3"), std::string::npos) << result.detail;
  EXPECT_EQ(result.differences.total, 3u);
}

TEST_F(HarnessSetup, ADifferenceAtACheckingStepIsAFail) {
  const auto result = judge(
      R"([{"value": null}, {"value": null}, {"value": 1}, {"value": 9}, {"value": "r"}])", kP);
  EXPECT_EQ(result.outcome, Outcome::Fail) << result.detail;
  EXPECT_EQ(result.detail.find("setup step"), std::string::npos) << result.detail;
}

TEST_F(HarnessSetup, ACheckingStepThatDiffersBeforeASetupStepIsAFail) {
  // In p, a difference at the checking step 1 only (its setup step 0 agrees)...
  EXPECT_EQ(judge(kMain, R"([{"value": null}, {"value": 8}])").outcome, Outcome::Fail);
  // ...and in main the checking step 3 differs first, the (unmarked) step 4 after it.
  std::string marked = kCase;
  const std::string unmarked = R"("setup": false)";
  marked.replace(marked.find(unmarked), unmarked.size(), R"("setup": true)");
  write("9001.json", marked);
  EXPECT_EQ(judge(R"([{"value": null}, {"value": null}, {"value": 1}, {"value": 9},
                      {"value": "s"}])",
                  kP)
                .outcome,
            Outcome::Fail);
}

TEST_F(HarnessSetup, OnlyTrueMarksASetupStep) {
  // Step 4 says "setup": false (which the linter refuses): it is a checking step.
  const auto result = judge(
      R"([{"value": null}, {"value": null}, {"value": 1}, {"value": 0}, {"value": "s"}])", kP);
  EXPECT_EQ(result.outcome, Outcome::Fail) << result.detail;
}

TEST_F(HarnessSetup, ASetupDifferenceInOneStreamAndACheckingOneInAnotherIsAFail) {
  const auto result = judge(R"([{"value": null}, {"value": null}, )" + std::string(kNoWaitid) +
                                R"(, {"value": 0}, {"value": "r"}])",
                            R"([{"value": null}, {"value": 8}])");
  EXPECT_EQ(result.outcome, Outcome::Fail) << result.detail;
}

TEST_F(HarnessSetup, SetupDifferencesInSeveralStreamsAreUnresolvedAndAllNamed) {
  // p's first step (await, setup) differs in a nested target list too.
  const std::string raised = R"({"raised": {"type": "OSError", "message": "no"}})";
  const auto result =
      judge(R"([{"value": null}, )" + raised + R"(, {"value": 1}, {"value": 0}, {"value": "r"}])",
            "[" + raised + R"(, {"value": 7}])");
  EXPECT_EQ(result.outcome, Outcome::Unresolved) << result.detail;
  EXPECT_EQ(result.detail.rfind("setup steps main[1] (start p), p[0] (await) differ: ", 0), 0u)
      << result.detail;
}

TEST_F(HarnessSetup, AStreamOnOneSideOnlyIsAFailWhateverElseDiffers) {
  const auto result = judge(R"([{"value": null}, {"value": null}, )" + std::string(kNoWaitid) +
                                R"(, {"value": 0}, {"value": "r"}])",
                            "");
  EXPECT_EQ(result.outcome, Outcome::Fail) << result.detail;
  EXPECT_NE(result.detail.find("process 'p': expected to run its steps"), std::string::npos)
      << result.detail;
}

TEST_F(HarnessSetup, AProcessThatStopsObservingAtASetupStepIsAFail) {
  // p ended before its (setup) await: what ended it may be the case's point.
  const auto ended = judge(kMain, "[]");
  EXPECT_EQ(ended.outcome, Outcome::Fail) << ended.detail;
  EXPECT_NE(ended.detail.find("process 'p', step 0"), std::string::npos) << ended.detail;
  // ...and so did a process that went on where it was expected to have ended.
  write("expected/9001.json",
        std::string(R"({"case": "9001", "streams": {"main": )") + kMain + R"(, "p": []}})");
  const auto went_on = judge(kMain, kP);
  EXPECT_EQ(went_on.outcome, Outcome::Fail) << went_on.detail;
}

TEST_F(HarnessSetup, ADeclaredDeviationStillExcusesTheCase) {
  const std::string at_setup = R"([{"value": null}, {"value": null}, )" + std::string(kNoWaitid) +
                               R"(, {"value": 0}, {"value": "r"}])";
  const pyproc::harness::Deviations short_form{{"9001", "no os.waitid"}};
  EXPECT_EQ(judge(at_setup, kP, short_form).outcome, Outcome::XFail);
  EXPECT_EQ(judge(kMain, kP, short_form).outcome, Outcome::XPass);
}

}  // namespace

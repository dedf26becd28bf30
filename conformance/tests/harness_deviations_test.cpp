// Declared deviations (spec/protocol.md §7.1): the short form excuses any
// difference of a case; the long form excuses exactly the differences it
// lists, so a later regression in the same case is still a FAIL.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "harness/case_run.hpp"
#include "harness/deviations.hpp"
#include "scratch_case.hpp"

namespace {

using pyproc::harness::Deviation;
using pyproc::harness::Outcome;

class HarnessDeviation : public pyproc::harness::testing_support::ScratchCase {
 protected:
  void SetUp() override {
    ScratchCase::SetUp();
    write("expected/9001.json",
          R"({"case": "9001", "streams": {"main": [{"value": 1}, {"value": 2}, {"value": 3}]}})");
  }
  // Runs the scripted driver printing `main` as its main stream, under `deviation`.
  pyproc::harness::CaseResult run_with(const std::string& main, const std::string& deviation) {
    write("9001.driver-output",
          R"({"protocol": 2, "case": "9001", "streams": {"main": )" + main + "}}");
    write("deviations.txt", R"({"9001": )" + deviation + "}");
    return run("echo_doc.sh", pyproc::harness::read_deviations(path("deviations.txt")));
  }
};

const char* kDeclared = R"({"reason": "why", "differences": [
    {"process": "main", "step": 1, "actual": {"value": -2}}]})";

TEST_F(HarnessDeviation, TheLongFormExcusesExactlyTheDifferencesItLists) {
  const auto result = run_with(R"([{"value": 1}, {"value": -2}, {"value": 3}])", kDeclared);
  EXPECT_EQ(result.outcome, Outcome::XFail) << result.detail;
}

TEST_F(HarnessDeviation, AnotherDifferenceInTheSameCaseIsStillAFailure) {
  const auto result = run_with(R"([{"value": 1}, {"value": -2}, {"value": 4}])", kDeclared);
  EXPECT_EQ(result.outcome, Outcome::Fail) << result.detail;
  EXPECT_NE(result.detail.find("not declared: process 'main', step 2"), std::string::npos)
      << result.detail;
}

TEST_F(HarnessDeviation, ADifferentValueAtTheDeclaredStepIsAFailure) {
  const auto result = run_with(R"([{"value": 1}, {"value": -3}, {"value": 3}])", kDeclared);
  EXPECT_EQ(result.outcome, Outcome::Fail) << result.detail;
  EXPECT_NE(result.detail.find("declared but not seen: process 'main', step 1, actual "
                               "{\"value\":-2}"),
            std::string::npos)
      << result.detail;
}

TEST_F(HarnessDeviation, AMissingObservationIsDeclaredWithNull) {
  const auto result = run_with(
      R"([{"value": 1}, {"value": 2}])",
      R"({"reason": "why", "differences": [{"process": "main", "step": 2, "actual": null}]})");
  EXPECT_EQ(result.outcome, Outcome::XFail) << result.detail;
}

TEST_F(HarnessDeviation, TheShortFormExcusesAnyDifference) {
  const auto result = run_with(R"([{"value": 7}, {"value": 8}])", R"("why")");
  EXPECT_EQ(result.outcome, Outcome::XFail) << result.detail;
}

TEST_F(HarnessDeviation, APassingCaseWithEitherFormIsAnXpass) {
  EXPECT_EQ(run_with(R"([{"value": 1}, {"value": 2}, {"value": 3}])", kDeclared).outcome,
            Outcome::XPass);
  EXPECT_EQ(run_with(R"([{"value": 1}, {"value": 2}, {"value": 3}])", R"("why")").outcome,
            Outcome::XPass);
}

TEST_F(HarnessDeviation, MalformedEntriesAreRefusedWithWhere) {
  for (const char* entry :
       {R"("")", R"({"differences": [{"process": "main"}]})", R"({"reason": "x", "extra": 1})",
        R"({"reason": "x", "differences": []})", R"({"reason": "x", "differences": [{"step": 1}]})",
        R"({"reason": "x", "differences": [{"process": "main", "step": -1}]})", "5"}) {
    write("deviations.txt", std::string(R"({"9001": )") + entry + "}");
    try {
      pyproc::harness::read_deviations(path("deviations.txt"));
      ADD_FAILURE() << entry << " was accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("the deviation for case 9001"), std::string::npos)
          << e.what();
    }
  }
}

TEST_F(HarnessDeviation, WhatWriteDeviationsWritesIsReadBackAndExcusesTheSameRun) {
  const auto failing = run_with(R"([{"value": 1}, {"value": 20}, {"value": 30}])", R"("x")");
  ASSERT_EQ(failing.outcome, Outcome::XFail);
  const auto entry = pyproc::harness::deviation_entry("why", failing.differences);
  const auto again = run_with(R"([{"value": 1}, {"value": 20}, {"value": 30}])", entry.dump());
  EXPECT_EQ(again.outcome, Outcome::XFail) << again.detail;
}

}  // namespace

// The harness's verdict cannot be fooled: observations compare exactly
// (Python ints are exact and unbounded, and never equal a float), a
// difference in any process's stream counts, every difference is shown, and
// hostile output or a hostile case file is a clear outcome for that one case,
// never a crash of the run. The driver's environment is fixed whatever the
// harness's is (§5.1), and a case that hangs shows what its driver printed,
// its stderr and its files.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "harness/case_run.hpp"
#include "harness/json_exact.hpp"
#include "harness/json_file.hpp"
#include "harness/programs.hpp"
#include "scratch_case.hpp"

namespace {

using pyproc::harness::Outcome;
using pyproc::harness::parse_json_text;

// A driver document for case 9001 whose streams are `streams` (JSON text).
std::string output_with(const std::string& streams) {
  return R"({"protocol": 1, "case": "9001", "pids": [], "streams": )" + streams + "}";
}

class HarnessJudgement : public pyproc::harness::testing_support::ScratchCase {
 protected:
  // Expected streams vs the streams the scripted driver prints.
  pyproc::harness::CaseResult judge(const std::string& expected, const std::string& actual) {
    write("expected/9001.json", R"({"case": "9001", "streams": )" + expected + "}");
    write("9001.driver-output", output_with(actual));
    return run("echo_doc.sh");
  }
};

TEST_F(HarnessJudgement, AnIntegerIsNotAFloat) {
  EXPECT_EQ(judge(R"({"main": [{"value": 1}]})", R"({"main": [{"value": 1.0}]})").outcome,
            Outcome::Fail);
  EXPECT_EQ(judge(R"({"main": [{"value": 1.0}]})", R"({"main": [{"value": 1}]})").outcome,
            Outcome::Fail);
  EXPECT_EQ(judge(R"({"main": [{"value": -0.0}]})", R"({"main": [{"value": 0.0}]})").outcome,
            Outcome::Fail);
  EXPECT_EQ(judge(R"({"main": [{"value": 1.5}]})", R"({"main": [{"value": 1.50}]})").outcome,
            Outcome::Pass);
}

// §4.6: an exception is what user code can catch. The same type name and
// message from another class (an implementation's own CalledProcessError,
// which `except subprocess.CalledProcessError` misses), or from a class with
// other bases, is a FAIL; so is an exception told without them (protocol 3).
TEST_F(HarnessJudgement, AnExceptionIsTheClassUserCodeCatchesNotItsName) {
  auto raised = [](const std::string& identity) {
    return R"({"main": [{"raised": {"type": "CalledProcessError", "message": "m")" + identity +
           "}}]}";
  };
  const std::string standard =
      R"(, "class": "subprocess.CalledProcessError", "bases": ["subprocess.SubprocessError", "Exception", "BaseException"])";
  EXPECT_EQ(judge(raised(standard), raised(standard)).outcome, Outcome::Pass);
  const auto own = judge(
      raised(standard),
      raised(
          R"(, "class": "fake.CalledProcessError", "bases": ["subprocess.SubprocessError", "Exception", "BaseException"])"));
  EXPECT_EQ(own.outcome, Outcome::Fail);
  EXPECT_NE(own.detail.find("fake.CalledProcessError"), std::string::npos) << own.detail;
  EXPECT_EQ(
      judge(
          raised(standard),
          raised(
              R"(, "class": "subprocess.CalledProcessError", "bases": ["Exception", "BaseException"])"))
          .outcome,
      Outcome::Fail);
  EXPECT_EQ(judge(raised(standard), raised("")).outcome, Outcome::Fail);
}

TEST_F(HarnessJudgement, IntegersCompareExactlyAtAnySize) {
  const std::string two_70 = "1180591620717411303424", two_70_less_1 = "1180591620717411303423";
  const std::string huge = "1" + std::string(400, '0');  // beyond a double's range
  const std::string huge_plus_1 = "1" + std::string(399, '0') + "1";
  auto value = [](const std::string& number) {
    return R"({"main": [{"value": [)" + number + "]}]}";
  };
  const auto differ = judge(value(two_70), value(two_70_less_1));
  EXPECT_EQ(differ.outcome, Outcome::Fail);
  EXPECT_NE(differ.detail.find(two_70_less_1), std::string::npos) << differ.detail;
  EXPECT_EQ(judge(value(two_70), value(two_70)).outcome, Outcome::Pass);
  EXPECT_EQ(judge(value(huge), value(huge)).outcome, Outcome::Pass);
  EXPECT_EQ(judge(value(huge), value(huge_plus_1)).outcome, Outcome::Fail);
  EXPECT_EQ(judge(value("-" + huge), value(huge)).outcome, Outcome::Fail);
  EXPECT_EQ(judge(value("18446744073709551615"), value("-1")).outcome, Outcome::Fail);
  EXPECT_EQ(judge(value(two_70), value("1.1805916207174113e21")).outcome, Outcome::Fail);
}

TEST_F(HarnessJudgement, ADifferenceOnlyInAChildsStreamFails) {
  const std::string main = R"("main": [{"value": null}])";
  const auto child =
      judge("{" + main + R"(, "p": [{"value": 1}]})", "{" + main + R"(, "p": [{"value": 2}]})");
  EXPECT_EQ(child.outcome, Outcome::Fail);
  EXPECT_NE(child.detail.find("process 'p', step 0"), std::string::npos) << child.detail;
  const auto grandchild = judge("{" + main + R"(, "p": [], "p/q": [{"value": "x"}]})",
                                "{" + main + R"(, "p": [], "p/q": [{"value": "y"}]})");
  EXPECT_EQ(grandchild.outcome, Outcome::Fail);
  EXPECT_NE(grandchild.detail.find("process 'p/q', step 0"), std::string::npos)
      << grandchild.detail;
}

TEST_F(HarnessJudgement, AStreamThatShouldExistMustExistEvenIfEmpty) {
  const auto result =
      judge(R"({"main": [{"value": null}], "p": []})", R"({"main": [{"value": null}]})");
  EXPECT_EQ(result.outcome, Outcome::Fail);
  EXPECT_NE(result.detail.find("process 'p': expected to run its steps"), std::string::npos)
      << result.detail;
}

TEST_F(HarnessJudgement, EveryDifferenceIsShownUpToTenThenCounted) {
  const auto three = judge(R"({"main": [{"value": 1}, {"value": 2}, {"value": 3}]})",
                           R"({"main": [{"value": 1}, {"value": 5}, {"value": 6}], "p": []})");
  EXPECT_EQ(three.outcome, Outcome::Fail);
  for (const char* part : {"step 1", "step 2", "process 'p': has a stream"})
    EXPECT_NE(three.detail.find(part), std::string::npos) << part << "\n" << three.detail;
  EXPECT_EQ(three.detail.find("more difference"), std::string::npos) << three.detail;

  std::string expected = "[", actual = "[";
  for (int i = 0; i < 15; ++i) {
    expected += std::string(i ? "," : "") + R"({"value": )" + std::to_string(i) + "}";
    actual += std::string(i ? "," : "") + R"({"value": )" + std::to_string(i + 100) + "}";
  }
  const auto fifteen = judge(R"({"main": )" + expected + "]}", R"({"main": )" + actual + "]}");
  EXPECT_NE(fifteen.detail.find("step 9:"), std::string::npos) << fifteen.detail;
  EXPECT_EQ(fifteen.detail.find("step 10:"), std::string::npos) << fifteen.detail;
  EXPECT_NE(fifteen.detail.find("... and 5 more difference(s)"), std::string::npos)
      << fifteen.detail;
}

TEST_F(HarnessJudgement, NoNoiseAboutAnEmptyStderr) {
  const auto result = judge(R"({"main": [{"value": 1}]})", R"({"main": [{"value": 2}]})");
  EXPECT_EQ(result.outcome, Outcome::Fail);
  EXPECT_EQ(result.detail.find("stderr"), std::string::npos) << result.detail;
}

// ---- hostile driver output: a CRASH of that case, with the reason ----------

TEST_F(HarnessJudgement, ANumberBeyondADoublesRangeIsACrashNotAnAbort) {
  write("9001.driver-output", output_with(R"({"main": [{"value": 1e400}]})"));
  const auto result = run("echo_doc.sh");
  EXPECT_EQ(result.outcome, Outcome::Crash) << result.detail;
  EXPECT_NE(result.detail.find("number out of range: 1e400"), std::string::npos) << result.detail;
}

TEST_F(HarnessJudgement, DeepNestingIsACrashNotAStackOverflow) {
  const std::string deep = std::string(20000, '[') + std::string(20000, ']');
  write("9001.driver-output", output_with(R"({"main": [{"value": )" + deep + "}]}"));
  const auto result = run("echo_doc.sh");
  EXPECT_EQ(result.outcome, Outcome::Crash) << result.detail;
  EXPECT_NE(result.detail.find("nested deeper than 64 levels"), std::string::npos) << result.detail;
}

TEST_F(HarnessJudgement, ADuplicatedKeyIsACrash) {
  write("9001.driver-output",
        R"({"protocol": 1, "case": "9001", "streams": {"main": [{"value": 1}]}, "streams": {}})");
  const auto result = run("echo_doc.sh");
  EXPECT_EQ(result.outcome, Outcome::Crash) << result.detail;
  EXPECT_NE(result.detail.find("duplicate key \"streams\""), std::string::npos) << result.detail;
}

TEST_F(HarnessJudgement, AProtocolNumberThatIsAFloatIsNotProtocolOne) {
  write("9001.driver-output",
        R"({"protocol": 1.0, "case": "9001", "streams": {"main": [{"value": null}]}})");
  EXPECT_EQ(run("echo_doc.sh").outcome, Outcome::Crash);
}

// ---- hostile case files: an ERROR of that case ---------------------------------

TEST_F(HarnessJudgement, ADeeplyNestedCaseFileIsAnError) {
  const std::string deep = std::string(20000, '[') + std::string(20000, ']');
  write("9001.json", R"({"id": "9001", "title": "t", "steps": )" + deep + "}");
  const auto result = run("echo_doc.sh");
  EXPECT_EQ(result.outcome, Outcome::Error) << result.detail;
  EXPECT_NE(result.detail.find("nested deeper"), std::string::npos) << result.detail;
}

TEST_F(HarnessJudgement, AnOversizedCaseFileIsAnError) {
  write("9001.json",
        R"({"id": "9001", "title": ")" + std::string(2u << 20, 'x') + R"(", "steps": []})");
  const auto result = run("echo_doc.sh");
  EXPECT_EQ(result.outcome, Outcome::Error) << result.detail;
  EXPECT_NE(result.detail.find("larger than"), std::string::npos) << result.detail;
}

TEST_F(HarnessJudgement, AnAbsurdTimeoutIsAnErrorNotAnOverflow) {
  for (const char* timeout : {"1e300", "0", "-1", "601", "\"30\"", "null"}) {
    write("9001.json",
          std::string(R"({"id": "9001", "title": "t", "steps": [], "timeout": )") + timeout + "}");
    const auto result = run("echo_doc.sh");
    EXPECT_EQ(result.outcome, Outcome::Error) << timeout << ": " << result.detail;
    EXPECT_NE(result.detail.find("timeout"), std::string::npos) << result.detail;
  }
}

TEST_F(HarnessJudgement, StepsThatAreNotObjectsNeverCrashTheDescription) {
  write("9001.json", R"({"id": "9001", "title": "t", "steps": [1, {"op": "new", "proc": "p",
        "target": 5}, {"op": "new", "proc": "q", "target": [7]}]})");
  const auto result =
      judge(R"({"main": [{"value": 1}], "p/x": [{"value": 1}], "q": [{"value": 1}]})",
            R"({"main": [{"value": 2}], "p/x": [{"value": 2}], "q": [{"value": 2}]})");
  EXPECT_EQ(result.outcome, Outcome::Fail) << result.detail;
  EXPECT_NE(result.detail.find("(no such step in the case)"), std::string::npos) << result.detail;
}

TEST_F(HarnessJudgement, AStepOfAForkChildIsDescribed) {
  write("9001.json", R"({"id": "9001", "title": "t", "steps": [{"op": "fork", "proc": "c",
        "child": [{"op": "value", "of": "in the child"}]}]})");
  const auto result = judge(R"({"main": [{"value": 1}], "c": [{"value": 1}]})",
                            R"({"main": [{"value": 1}], "c": [{"value": 2}]})");
  EXPECT_EQ(result.outcome, Outcome::Fail) << result.detail;
  EXPECT_NE(result.detail.find("in the child"), std::string::npos) << result.detail;
}

// ---- the parser itself ------------------------------------------------------

TEST(HarnessJson, KeepsEveryNumberExactlyAsPythonWouldRead) {
  const auto parsed = parse_json_text(
      R"([0, -0, 9223372036854775807, -9223372036854775808, 18446744073709551615,
          18446744073709551616, -9223372036854775809, 1.0, 2.5e-3, 1e-400, "12 in a string"])",
      "test");
  ASSERT_TRUE(parsed.doc) << parsed.error;
  const auto& doc = *parsed.doc;
  EXPECT_EQ(pyproc::harness::to_text(doc),
            R"([0,0,9223372036854775807,-9223372036854775808,18446744073709551615,)"
            R"(18446744073709551616,-9223372036854775809,1.0,0.0025,0.0,"12 in a string"])");
  EXPECT_TRUE(pyproc::harness::is_integer(doc[5]));
  EXPECT_FALSE(pyproc::harness::is_integer(doc[7]));
}

TEST(HarnessJson, SaysWhereTextIsMalformed) {
  const auto parsed = parse_json_text("{\n  \"a\": 1,\n  \"b\": oops\n}", "file.json");
  ASSERT_FALSE(parsed.doc);
  EXPECT_NE(parsed.error.find("file.json:3:"), std::string::npos) << parsed.error;
}

// ---- the driver's environment is fixed, whatever the harness's (§5.1) ----

// Sets an environment variable of this process for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class HarnessEnvironment : public pyproc::harness::testing_support::ScratchCase {
 protected:
  // The environment env_probe.sh was started with, "NAME=value" each.
  std::vector<std::string> probed(const pyproc::harness::CaseResult& result) {
    std::vector<std::string> entries;
    if (!result.actual.is_object() || !result.actual.contains("main")) return entries;
    for (const auto& entry : result.actual["main"].at(0).at("value"))
      entries.push_back(entry.get<std::string>());
    return entries;
  }
};

TEST_F(HarnessEnvironment, TheDriverGetsTheFixedEnvironmentAndNothingElse) {
  const std::string inherited_path = std::getenv("PATH") ? std::getenv("PATH") : "";
  // What a user's shell may hold: a PATH with a directory another user cannot
  // search (/root/.cargo/bin made ENOENT an EACCES), a foreign locale, a
  // variable of its own.
  ScopedEnv search("PATH", "/pyproc-no-such-dir:" + inherited_path);
  ScopedEnv locale("LC_ALL", "de_DE.ISO-8859-1");
  ScopedEnv lang("LANG", "de_DE.ISO-8859-1");
  ScopedEnv own("PYPROC_TEST_POLLUTION", "1");
  ScopedEnv tmpdir("TMPDIR", "/pyproc-no-such-tmp");
  ScopedEnv sanitizer("ASAN_OPTIONS", "detect_leaks=0");
  write("expected/9001.json", R"({"case": "9001", "streams": {"main": [{"value": []}]}})");
  const auto result = run("env_probe.sh");
  ASSERT_EQ(result.outcome, Outcome::Fail) << result.detail;  // the value differs: that is fine
  auto entries = probed(result);
  std::sort(entries.begin(), entries.end());
  std::vector<std::string> expected{"HOME=<tmp>",
                                    "LANG=C.UTF-8",
                                    "LC_ALL=C.UTF-8",
                                    "PATH=/usr/local/bin:/usr/bin:/bin",
                                    "PYPROC_CASE_TMP=<tmp>",
                                    "TMPDIR=<tmp>",
                                    "TZ=UTC"};
  if (!pyproc::harness::driver_cache_directory().empty())
    expected.push_back("XDG_CACHE_HOME=" + pyproc::harness::driver_cache_directory());
  // Passed through when set here: ASAN_OPTIONS (set above), and what this
  // test's own environment holds (the asan preset's UBSAN_OPTIONS, pyenv's).
  for (const char* name : pyproc::harness::kPassedThrough)
    if (const char* value = std::getenv(name)) expected.push_back(std::string(name) + "=" + value);
  const auto helper = pyproc::harness::helper_path();
  std::vector<std::string> without_helper;
  for (const auto& entry : entries)
    if (entry.rfind("PYPROC_HELPER=", 0) != 0) without_helper.push_back(entry);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(without_helper, expected);
  EXPECT_EQ(entries.size(), without_helper.size() + 1) << "PYPROC_HELPER is set";
}

TEST_F(HarnessEnvironment, EntriesGivenForTheRunAreAddedAndOverride) {
  write("expected/9001.json", R"({"case": "9001", "streams": {"main": [{"value": []}]}})");
  const auto result = pyproc::harness::run_case({.case_file = path("9001.json"),
                                                 .expected_dir = path("expected"),
                                                 .driver = {FAKE_DRIVERS_DIR "/env_probe.sh"},
                                                 .deviations = {},
                                                 .isolation = {},
                                                 .timeout_override = 0,
                                                 .environment = {"EXTRA=1", "TZ=Europe/Paris"}});
  const auto entries = probed(result);
  EXPECT_NE(std::find(entries.begin(), entries.end(), "EXTRA=1"), entries.end());
  EXPECT_NE(std::find(entries.begin(), entries.end(), "TZ=Europe/Paris"), entries.end());
  EXPECT_EQ(std::find(entries.begin(), entries.end(), "TZ=UTC"), entries.end());
}

TEST_F(HarnessEnvironment, ABareDriverNameIsFoundInTheHarnesssPath) {
  // The driver's own PATH is the fixed one; its program is looked up in the
  // caller's, so `python3` means the caller's python3 (a pyenv shim, say).
  ScopedEnv search("PATH", std::string(FAKE_DRIVERS_DIR) + ":/usr/bin:/bin");
  const auto result =
      pyproc::harness::run_case({path("9001.json"), path("expected"), {"echo_doc.sh"}, {}, {}});
  EXPECT_EQ(result.outcome, Outcome::Pass) << result.detail;
}

// ---- a case that hangs shows what it did (issue 18, "blind when it hangs") ----

using HarnessHung = pyproc::harness::testing_support::ScratchCase;

TEST_F(HarnessHung, WhatTheDriverPrintedItsStderrAndItsFilesAreShown) {
  use_short_timeout();
  const auto result = run("hang_after_output.sh");
  ASSERT_EQ(result.outcome, Outcome::Hung) << result.detail;
  // Its stdout, parsed as far as it goes: two observations of main.
  EXPECT_NE(result.detail.find("(168 bytes, unfinished):"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find(R"(main: [{"value":12345678901234567890123},)"), std::string::npos)
      << result.detail;
  ASSERT_TRUE(result.actual.is_object()) << result.detail;
  EXPECT_EQ(result.actual["main"].size(), 2u);
  EXPECT_EQ(result.actual["main"][1]["raised"]["type"], "AttributeError");
  // Its stderr, and what its processes left in the scratch directory.
  EXPECT_NE(result.detail.find("stuck joining the child"), std::string::npos) << result.detail;
  EXPECT_EQ(result.stderr_tail, "stuck joining the child\n");
  EXPECT_NE(result.detail.find("child.stderr (71 bytes)"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("AttributeError: child saw something"), std::string::npos)
      << result.detail;
}

TEST_F(HarnessHung, WhereAPrintedDocumentStopsBeingJsonIsShown) {
  use_short_timeout();
  const auto result = run("hang_after_broken_output.sh");
  ASSERT_EQ(result.outcome, Outcome::Hung) << result.detail;
  EXPECT_NE(result.detail.find("cut off at driver stdout:1:"), std::string::npos) << result.detail;
  EXPECT_EQ(result.detail.find("unfinished"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find(R"(main: [{"value":7}])"), std::string::npos) << result.detail;
}

TEST_F(HarnessHung, ADriverThatPrintedNothingSaysSo) {
  use_short_timeout();
  const auto result = run("hang.sh");
  ASSERT_EQ(result.outcome, Outcome::Hung) << result.detail;
  EXPECT_NE(result.detail.find("printed nothing on stdout"), std::string::npos) << result.detail;
}

}  // namespace

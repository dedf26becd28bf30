// What pyproc-conform writes besides its text report: results for machines
// (JSON lines, JUnit XML) and the current failures as a deviations file.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "harness/case_run.hpp"

namespace pyproc::cli {

// One case as the runner saw it, over all its repetitions.
struct CaseReport {
  harness::CaseResult result;              // the first run's (what is reported)
  std::vector<harness::Outcome> outcomes;  // every run's, in order (--repeat)
  [[nodiscard]] bool flaky() const;        // the outcome changed between runs
  [[nodiscard]] bool success() const;      // a success every time
};

// One JSON object per line: id, title, outcome, outcomes, flaky, seconds,
// detail, differences (structured, §7), implementation, actual (the normalised
// streams; for a HUNG case what the driver printed before it was ended, as far
// as it parses) and stderr (its end).
void write_json_lines(std::ostream& out, const std::vector<CaseReport>& reports);

// A JUnit XML <testsuite>: a <testcase> per case, <failure> for what did not
// succeed, <skipped> for UNSUPPORTED, as CI systems read it.
void write_junit(std::ostream& out, const std::vector<CaseReport>& reports,
                 const std::string& suite_name);

// A deviations file (spec/protocol.md §7.1, the long form) excusing exactly
// what failed in this run, each with a reason to fill in.
void write_deviations(std::ostream& out, const std::vector<CaseReport>& reports);

}  // namespace pyproc::cli

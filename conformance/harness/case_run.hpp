// Runs one case against one driver and decides its outcome
// (spec/protocol.md §7): the single place the GoogleTests and the CLI share.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "compare.hpp"
#include "deviations.hpp"
#include "isolated_run.hpp"

namespace pyproc::harness {

enum class Outcome { Pass, Fail, XFail, XPass, Unsupported, Hung, Crash, Leak, Error };

const char* outcome_name(Outcome outcome);
// PASS, XFAIL and UNSUPPORTED are successes; everything else fails a run.
bool is_success(Outcome outcome);

struct CaseRequest {
  std::filesystem::path case_file;
  std::filesystem::path expected_dir;
  std::vector<std::string> driver;  // the command; the case file is appended
  Deviations deviations;
  IsolationOptions isolation = {};  // how the driver is run (§8)
  // Replaces the case's own "timeout" (seconds, above 0 and at most
  // kMaxCaseTimeoutSeconds); 0 keeps the case's.
  double timeout_override = 0;
};

// The longest a case may ask for (its "timeout"); more is an ERROR.
inline constexpr double kMaxCaseTimeoutSeconds = 600;

struct CaseResult {
  std::string id;     // the file stem, even when the file is unreadable
  std::string title;  // empty when the case could not be read
  Outcome outcome = Outcome::Error;
  std::string detail;       // what a person needs to see when it is not a PASS
  Differences differences;  // for FAIL and XFAIL: every difference found
  // The normalised streams the driver printed (§6); null when it printed none.
  nlohmann::json actual;
  // What the driver says it is ({"name", "version", ...}); null if it did not say.
  nlohmann::json implementation;
  double seconds = 0;  // wall time of the case
};

CaseResult run_case(const CaseRequest& request);

// Every *.json of `cases_dir`, sorted by id. Throws std::runtime_error if the
// directory cannot be read.
std::vector<std::filesystem::path> list_cases(const std::filesystem::path& cases_dir);

// The ids (file stems) of `cases` that `deviations` names, and those it names
// that are not among them: a deviation for a case that does not exist is an
// error (a typo, or a case that was retired).
std::vector<std::string> unknown_deviations(const Deviations& deviations,
                                            const std::vector<std::filesystem::path>& cases);

}  // namespace pyproc::harness

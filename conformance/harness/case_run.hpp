// Runs one case against one driver and decides its outcome
// (spec/protocol.md §7): the single place the GoogleTests and the CLI share.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pyproc::harness {

enum class Outcome { Pass, Fail, XFail, XPass, Unsupported, Hung, Crash, Leak, Error };

const char* outcome_name(Outcome outcome);
// PASS, XFAIL and UNSUPPORTED are successes; everything else fails a run.
bool is_success(Outcome outcome);

// Case id -> reason the implementation cannot match CPython there.
using Deviations = std::map<std::string, std::string>;

struct CaseRequest {
  std::filesystem::path case_file;
  std::filesystem::path expected_dir;
  std::vector<std::string> driver;  // the command; the case file is appended
  Deviations deviations;
};

struct CaseResult {
  std::string id;     // the file stem, even when the file is unreadable
  std::string title;  // empty when the case could not be read
  Outcome outcome = Outcome::Error;
  std::string detail;  // what a person needs to see when it is not a PASS
};

CaseResult run_case(const CaseRequest& request);

// Reads a deviations file ({"<case id>": "<reason>", ...}); a missing file
// means no deviations. Throws std::runtime_error naming the file if malformed.
Deviations read_deviations(const std::filesystem::path& path);

// Every conformance/cases/*.json, sorted by id.
std::vector<std::filesystem::path> list_cases(const std::filesystem::path& cases_dir);

}  // namespace pyproc::harness

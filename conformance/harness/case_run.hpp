// Runs one case against one driver and decides its outcome
// (spec/protocol.md §7): the single place the GoogleTests and the CLI share.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compare.hpp"
#include "deviations.hpp"
#include "isolated_run.hpp"
#include "json_file.hpp"

namespace pyproc::harness {

// Unresolved: the case differs only at steps that set it up (§7), so it
// shows nothing about its clauses; not a success either.
enum class Outcome { Pass, Fail, Unresolved, XFail, XPass, Unsupported, Hung, Crash, Leak, Error };

const char* outcome_name(Outcome outcome);
// PASS, XFAIL and UNSUPPORTED are successes; everything else fails a run.
bool is_success(Outcome outcome);

// A case file and its expected file as the harness read them: a runner reads
// every selected case before the first driver starts (§8), so that no driver
// can change what a later case is judged against.
struct CaseFiles {
  std::string case_bytes;  // the case file as read (empty if it could not be)
  JsonFile case_file;
  std::filesystem::path expected_path;
  JsonFile expected;
};
CaseFiles read_case_files(const std::filesystem::path& case_file,
                          const std::filesystem::path& expected_dir);

struct CaseRequest {
  std::filesystem::path case_file;
  std::filesystem::path expected_dir;
  std::vector<std::string> driver;  // the command; the case file is appended
  Deviations deviations;
  IsolationOptions isolation = {};  // how the driver is run (§8)
  // Replaces the case's own "timeout" (seconds, above 0 and at most
  // kMaxCaseTimeoutSeconds); 0 keeps the case's.
  double timeout_override = 0;
  // "NAME=value" entries added to the driver's fixed environment (§5.1).
  std::vector<std::string> environment = {};
  // The case as read before the run began; null: read it now.
  std::shared_ptr<const CaseFiles> files = {};
};

// The driver's whole environment (spec/protocol.md §5.1): the fixed entries,
// the harness's values of kPassedThrough that are set, then `extra`
// ("NAME=value", overriding). Nothing else of the harness's environment.
std::vector<std::string> driver_environment(const std::string& scratch_dir,
                                            const std::string& helper,
                                            const std::vector<std::string>& extra);

// A cache directory that drivers share across cases (CPython's driver keeps
// its bytecode there): the runner's $XDG_CACHE_HOME (else ~/.cache) plus
// pyproc/drivers, made if missing; the driver's XDG_CACHE_HOME, and writable
// in its read-only view (§8). Empty when it cannot be made.
const std::string& driver_cache_directory();

// The variables a driver gets from the harness's environment when they are
// set there: the interpreter a driver command picks (pyenv), and what
// sanitizers and coverage builds read.
inline constexpr const char* kPassedThrough[] = {
    "PYENV_ROOT",   "PYENV_VERSION", "ASAN_OPTIONS", "UBSAN_OPTIONS",     "LSAN_OPTIONS",
    "TSAN_OPTIONS", "MSAN_OPTIONS",  "GCOV_PREFIX",  "GCOV_PREFIX_STRIP", "LLVM_PROFILE_FILE"};

// The fixed search path of a driver; a driver command's own program is looked
// up in the harness's PATH first, so that it means what it means in the
// caller's shell.
inline constexpr const char* kDriverPath = "/usr/local/bin:/usr/bin:/bin";

// The longest a case may ask for (its "timeout"); more is an ERROR.
inline constexpr double kMaxCaseTimeoutSeconds = 600;

struct CaseResult {
  std::string id;     // the file stem, even when the file is unreadable
  std::string title;  // empty when the case could not be read
  Outcome outcome = Outcome::Error;
  std::string detail;       // what a person needs to see when it is not a PASS
  Differences differences;  // for FAIL, UNRESOLVED and XFAIL: every difference found
  // The normalised streams the driver printed (§6); null when it printed none.
  nlohmann::json actual;
  // What the driver says it is ({"name", "version", ...}); null if it did not say.
  nlohmann::json implementation;
  double seconds = 0;       // wall time of the case
  std::string stderr_tail;  // the end of what the driver wrote to stderr (§5.2)
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

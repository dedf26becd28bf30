#include "case_run.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "compare.hpp"
#include "json_exact.hpp"
#include "json_file.hpp"
#include "live_cases.hpp"
#include "normalize.hpp"
#include "programs.hpp"
#include "setup_steps.hpp"

namespace pyproc::harness {
namespace {

using nlohmann::json;

constexpr double kDefaultTimeoutSeconds = 30;

// The case's scratch directory (§5.1): made empty for one run, removed after.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::error_code error;
    auto base = std::filesystem::temp_directory_path(error);
    if (error) base = "/tmp";
    std::string pattern = (base / "pyproc-case-XXXXXX").string();
    if (::mkdtemp(pattern.data()))
      path_ = std::filesystem::canonical(pattern, error).string();  // as getcwd() will say it
    if (path_.empty())
      throw std::runtime_error("cannot make a scratch directory in " + base.string());
    LiveCases::instance().scratch_made(path_);
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
    LiveCases::instance().scratch_removed(path_);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string shorten(const std::string& text, std::size_t max_chars = 300) {
  return text.size() <= max_chars ? text : text.substr(0, max_chars) + "...";
}

// The driver runs in the case's scratch directory (§5.1), so relative paths in
// its command — the program, or a script it is given (`python3
// oracle/driver.py`) — are made absolute first: every word that names an
// existing file from here.
// The program itself, a bare name, is looked up in the harness's PATH: the
// driver's own PATH is the fixed one of §5.1.
std::vector<std::string> absolute_command(std::vector<std::string> argv) {
  if (!argv.empty() && !argv[0].empty() && argv[0].find('/') == std::string::npos) {
    const char* path = std::getenv("PATH");
    std::string_view dirs = path ? path : "";
    while (!dirs.empty()) {
      const auto colon = dirs.find(':');
      const std::string dir(dirs.substr(0, colon));
      dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
      const auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / argv[0];
      std::error_code error;
      if (std::filesystem::is_regular_file(candidate, error) &&
          ::access(candidate.c_str(), X_OK) == 0) {
        argv[0] = std::filesystem::absolute(candidate, error).string();
        break;
      }
    }
  }
  for (auto& word : argv) {
    std::error_code error;
    if (!word.empty() && word.front() != '/' && word.front() != '-' &&
        std::filesystem::exists(word, error))
      word = std::filesystem::absolute(word, error).string();
  }
  return argv;
}

// What the driver wrote to stderr, for a person; nothing when it wrote nothing.
std::string stderr_note(const IsolatedRun& run) {
  if (run.err.empty()) return {};
  constexpr std::size_t kShown = 2000;  // the end is where the reason usually is
  const bool cut = run.err.size() > kShown;
  return "\n  driver stderr:\n" + (cut ? "..." + run.err.substr(run.err.size() - kShown) : run.err);
}

std::string seconds_text(double seconds) {
  std::ostringstream text;
  text << seconds;
  return text.str();
}

// The minimum the harness needs from a case; the linter checks the rest.
std::string case_shape_error(const json& doc, const std::string& stem) {
  if (!doc.is_object()) return "a case must be a JSON object";
  if (!doc.contains("id") || !doc["id"].is_string()) return "missing string \"id\"";
  if (doc["id"] != stem) return "\"id\" is " + to_text(doc["id"]) + " but the file is " + stem;
  if (!doc.contains("title") || !doc["title"].is_string()) return "missing string \"title\"";
  if (!doc.contains("steps") || !doc["steps"].is_array()) return "missing array \"steps\"";
  if (doc.contains("timeout")) {
    const json& timeout = doc["timeout"];
    const double seconds = timeout.is_number() ? timeout.get<double>() : 0;
    if (!timeout.is_number() || !(seconds > 0) || seconds > kMaxCaseTimeoutSeconds)
      return "\"timeout\" must be a number of seconds above 0 and at most " +
             seconds_text(kMaxCaseTimeoutSeconds) + ", not " + to_text(timeout);
  }
  return {};
}

// Streams: an object of arrays of {"value": ...} / {"raised": ...}.
std::string streams_error(const json& streams) {
  if (!streams.is_object()) return "\"streams\" is not an object";
  for (const auto& stream : streams.items()) {
    if (!stream.value().is_array()) return "stream \"" + stream.key() + "\" is not an array";
    for (const auto& observation : stream.value())
      if (!observation.is_object() || observation.size() != 1 ||
          !(observation.contains("value") || observation.contains("raised")))
        return "stream \"" + stream.key() + "\" holds " + shorten(to_text(observation)) +
               ", not {\"value\": ...} or {\"raised\": ...}";
  }
  return {};
}

// What a driver printed must be a protocol document for this case (§5).
std::string protocol_error(const json& doc, const std::string& id) {
  if (!doc.is_object()) return "not a JSON object";
  const json version = doc.value("protocol", json());
  // Documents of protocol 1-3 are still read; their exceptions lack "class"
  // and "bases" (§4.6), so each differs from the expected one.
  bool known = false;
  for (int v = 1; v <= 4; ++v) known = known || exactly_equal(version, json(v));
  if (!known) return "\"protocol\" is not 1, 2, 3 or 4";
  if (doc.value("case", json()) != id) return "\"case\" is not \"" + id + "\"";
  if (doc.contains("unsupported")) {
    if (!doc["unsupported"].is_string()) return "\"unsupported\" is not a string";
    return {};
  }
  if (!doc.contains("streams")) return "no \"streams\"";
  if (auto why = streams_error(doc["streams"]); !why.empty()) return why;
  if (doc.contains("pids") && !doc["pids"].is_array()) return "\"pids\" is not an array";
  if (doc.contains("leaks") && !doc["leaks"].is_array()) return "\"leaks\" is not an array";
  return {};
}

// What a driver that hung or crashed had printed on stdout (drivers print
// their document as the case goes, spec/protocol.md §5): parsed as far as it
// goes; its streams, normalised where they can be, become the case's `actual`.
// `until`: "it was ended" or "it ended".
std::string partial_output_note(const IsolatedRun& run, const json& case_doc,
                                const MachinePaths& paths, CaseResult& result,
                                const std::string& until) {
  if (run.out.empty()) return "\n  the driver printed nothing on stdout before " + until;
  const JsonFile partial = parse_json_prefix(run.out, "driver stdout");
  std::string note = "\n  what the driver printed on stdout before " + until + " (" +
                     std::to_string(run.out.size()) + " bytes";
  if (!partial.doc) return note + ", not JSON: " + partial.error + "): " + shorten(run.out);
  // A document printed as the case goes is simply unfinished; anything
  // else that stops the parse is shown as the parser says it.
  if (partial.error.find("unexpected end of input") != std::string::npos)
    note += ", unfinished";
  else if (!partial.error.empty())
    note += ", cut off at " + partial.error;
  note += "):";
  json streams = partial.doc->is_object() ? partial.doc->value("streams", json()) : json();
  if (streams.is_object() && streams_error(streams).empty()) {
    try {
      json doc = *partial.doc;
      doc["streams"] = streams;
      if (!doc.contains("pids") || !doc["pids"].is_array()) doc["pids"] = json::array();
      streams = normalize(doc, case_doc, paths)["streams"];
    } catch (const std::exception&) {
      // shown as printed
    }
    result.actual = streams;
    for (const auto& [path, observations] : streams.items())
      note += "\n    " + path + ": " + shorten(to_text(observations), 1000);
    return note;
  }
  return note + " " + shorten(to_text(*partial.doc), 1000);
}

// The files a case left in its scratch directory (where a driver's processes
// may have written what they saw: a child's traceback in a capture file), the
// end of each, for a case that hung.
std::string scratch_files_note(const std::string& scratch) {
  constexpr std::size_t kFiles = 10, kTail = 600;
  std::string note;
  std::size_t shown = 0;
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(scratch, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_regular_file(error) || it->file_size(error) == 0) continue;
    if (shown++ == kFiles) {
      note += "\n    ...";
      break;
    }
    std::ifstream in(it->path(), std::ios::binary);
    const auto size = it->file_size(error);
    if (size > kTail) in.seekg(static_cast<std::streamoff>(size - kTail));
    std::string tail(kTail, '\0');
    in.read(tail.data(), kTail);
    tail.resize(static_cast<std::size_t>(in.gcount()));
    note += "\n    " + std::filesystem::relative(it->path(), scratch, error).string() + " (" +
            std::to_string(size) + " bytes): " + (size > kTail ? "..." : "") + tail;
  }
  return note.empty() ? note : "\n  files in the case's scratch directory:" + note;
}

std::string exit_description(const IsolatedRun& run) {
  if (run.term_signal) {
    const char* abbrev = sigabbrev_np(run.term_signal);
    return std::string("the driver died of signal ") + std::to_string(run.term_signal) +
           (abbrev ? std::string(" (SIG") + abbrev + ")" : "");
  }
  return "the driver exited with status " + std::to_string(run.exit_status);
}

// Decides the outcome once the case and its expected file have been read.
void judge(const CaseRequest& request, const json& case_doc, const json& expected,
           CaseResult& result) {
  auto argv = absolute_command(request.driver);
  argv.push_back(std::filesystem::absolute(request.case_file).string());
  const double timeout = request.timeout_override > 0   ? request.timeout_override
                         : case_doc.contains("timeout") ? case_doc["timeout"].get<double>()
                                                        : kDefaultTimeoutSeconds;
  const ScratchDirectory scratch;
  MachinePaths paths{.tmp = scratch.path(), .helper = helper_path(), .helper_dir = {}};
  if (!paths.helper.empty())
    paths.helper_dir = std::filesystem::path(paths.helper).parent_path().string();
  IsolationOptions isolation = request.isolation;
  isolation.working_directory = scratch.path();
  isolation.scratch_directory = scratch.path();
  auto extra = isolation.environment;
  extra.insert(extra.end(), request.environment.begin(), request.environment.end());
  isolation.environment = driver_environment(scratch.path(), paths.helper, extra);
  // What the driver may write besides its scratch directory (§8).
  if (!driver_cache_directory().empty()) isolation.writable.push_back(driver_cache_directory());
  if (const char* listed = std::getenv("PYPROC_DRIVER_WRITABLE")) {
    std::stringstream paths_text(listed);
    for (std::string path; std::getline(paths_text, path, ':');)
      if (!path.empty() && path.front() == '/') isolation.writable.push_back(path);
  }
  IsolatedRun run = run_isolated(argv, timeout, isolation);
  const std::string note = stderr_note(run);
  result.stderr_tail = run.err;

  if (!run.started) {
    result.outcome = Outcome::Crash;
    result.detail = run.error + note;
    return;
  }
  if (run.hung) {
    result.outcome = Outcome::Hung;
    result.detail = "no answer within " + seconds_text(timeout) +
                    " s; every process of the case was killed" +
                    partial_output_note(run, case_doc, paths, result, "it was ended") +
                    scratch_files_note(scratch.path()) + note;
    return;
  }
  if (run.output_overflow) {
    result.outcome = Outcome::Crash;
    result.detail = "the driver printed more than " +
                    std::to_string(request.isolation.max_output_bytes) +
                    " bytes on stdout; the case was ended" + note;
    return;
  }
  if (run.supervisor_lost) {
    result.outcome = Outcome::Crash;
    result.detail =
        "the case killed its warden (the harness's supervisor of the case); every process of "
        "the case was killed" +
        note;
    return;
  }
  if (run.exit_status != 0) {
    // What it had done before it crashed, as for a case that hung.
    result.outcome = Outcome::Crash;
    result.detail =
        exit_description(run) +
        (run.out.empty() ? "" : partial_output_note(run, case_doc, paths, result, "it ended")) +
        scratch_files_note(scratch.path()) + note;
    return;
  }
  JsonFile printed = parse_json_text(run.out, "driver stdout");
  std::string why = printed.doc ? protocol_error(*printed.doc, result.id) : printed.error;
  if (!why.empty()) {
    result.outcome = Outcome::Crash;
    result.detail = "the driver printed something that is not a protocol document (" + why +
                    "): " + shorten(run.out) + note;
    return;
  }
  if (run.leftovers > 0) {
    result.outcome = Outcome::Leak;
    result.detail = std::to_string(run.leftovers) +
                    " process(es) of the case were still running after the driver exited; "
                    "they were killed" +
                    note;
    return;
  }
  if (const json leaks = printed.doc->value("leaks", json::array()); !leaks.empty()) {
    result.outcome = Outcome::Leak;
    result.detail =
        "the driver reports what the case left behind in it: " + shorten(to_text(leaks));
    return;
  }
  if (printed.doc->contains("implementation"))
    result.implementation = (*printed.doc)["implementation"];
  if (printed.doc->contains("unsupported")) {
    result.outcome = Outcome::Unsupported;
    result.detail = to_text((*printed.doc)["unsupported"]);
    return;
  }

  // The memory of a case stays a small multiple of its output: each form of
  // the document is let go as soon as the next one exists.
  run.out = std::string();
  json actual = normalize(std::move(*printed.doc), case_doc, paths);
  printed.doc.reset();
  result.differences = differences(case_doc, expected, actual["streams"]);
  result.actual = std::move(actual["streams"]);
  const auto& found = result.differences;
  const auto deviation = request.deviations.find(result.id);
  if (deviation == request.deviations.end()) {
    result.outcome = found.empty() ? Outcome::Pass : Outcome::Fail;
    if (found.empty()) return;
    result.detail = found.describe() + note;
    // Differences only where the case sets itself up say nothing of its
    // clauses (§7): UNRESOLVED, naming those steps.
    if (const std::string reason = unresolved_reason(case_doc, found); !reason.empty()) {
      result.outcome = Outcome::Unresolved;
      result.detail = reason + ": " + result.detail;
    }
    return;
  }
  const std::string& reason = deviation->second.reason;
  if (found.empty()) {
    result.outcome = Outcome::XPass;
    result.detail = "the case passes but a deviation is declared for it (\"" + reason +
                    "\"): remove the deviation";
    return;
  }
  if (auto mismatch = deviation_mismatch(deviation->second, found); !mismatch.empty()) {
    result.outcome = Outcome::Fail;
    result.detail = found.describe() + "\n  " + mismatch + "\n  declared deviation: " + reason;
    return;
  }
  result.outcome = Outcome::XFail;
  result.detail = found.describe() + "\n  declared deviation: " + reason;
}

}  // namespace

const std::string& driver_cache_directory() {
  static const std::string directory = [] {
    std::filesystem::path base;
    if (const char* cache = std::getenv("XDG_CACHE_HOME"); cache && *cache == '/')
      base = cache;
    else if (const char* home = std::getenv("HOME"); home && *home == '/')
      base = std::filesystem::path(home) / ".cache";
    else
      return std::string();
    std::error_code error;
    const auto directory = base / "pyproc" / "drivers";
    std::filesystem::create_directories(directory, error);
    return error ? std::string() : directory.string();
  }();
  return directory;
}

std::vector<std::string> driver_environment(const std::string& scratch_dir,
                                            const std::string& helper,
                                            const std::vector<std::string>& extra) {
  std::map<std::string, std::string> entries{
      {"PATH", kDriverPath},           {"LANG", "C.UTF-8"},
      {"LC_ALL", "C.UTF-8"},           {"TZ", "UTC"},
      {"HOME", scratch_dir},           {"TMPDIR", scratch_dir},
      {"PYPROC_CASE_TMP", scratch_dir}};
  if (!helper.empty()) entries["PYPROC_HELPER"] = helper;
  if (!driver_cache_directory().empty()) entries["XDG_CACHE_HOME"] = driver_cache_directory();
  for (const char* name : kPassedThrough)
    if (const char* value = std::getenv(name)) entries[name] = value;
  for (const auto& entry : extra) {
    const auto equals = entry.find('=');
    entries[entry.substr(0, equals)] = equals == std::string::npos ? "" : entry.substr(equals + 1);
  }
  std::vector<std::string> out;
  out.reserve(entries.size());
  for (const auto& [name, value] : entries) out.push_back(name + "=" + value);
  return out;
}

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::Pass:
      return "PASS";
    case Outcome::Fail:
      return "FAIL";
    case Outcome::Unresolved:
      return "UNRESOLVED";
    case Outcome::XFail:
      return "XFAIL";
    case Outcome::XPass:
      return "XPASS";
    case Outcome::Unsupported:
      return "UNSUPPORTED";
    case Outcome::Hung:
      return "HUNG";
    case Outcome::Crash:
      return "CRASH";
    case Outcome::Leak:
      return "LEAK";
    case Outcome::Error:
      return "ERROR";
  }
  return "?";
}

bool is_success(Outcome outcome) {
  return outcome == Outcome::Pass || outcome == Outcome::XFail || outcome == Outcome::Unsupported;
}

namespace {

std::string read_bytes(const std::filesystem::path& path, std::size_t max_bytes, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  std::string text(max_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(max_bytes + 1));
  ok = static_cast<bool>(in) || in.eof();
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

// run_case() without the clock.
CaseResult judge_case(const CaseRequest& request) {
  CaseResult result;
  result.id = request.case_file.stem().string();
  try {
    const auto files = request.files ? request.files
                                     : std::make_shared<const CaseFiles>(read_case_files(
                                           request.case_file, request.expected_dir));
    const JsonFile& case_file = files->case_file;
    if (!case_file.doc) {
      result.detail = case_file.error;
      return result;
    }
    const json& case_doc = *case_file.doc;
    if (auto why = case_shape_error(case_doc, result.id); !why.empty()) {
      result.detail = request.case_file.string() + ": " + why;
      return result;
    }
    result.title = case_doc["title"];

    const auto& expected_path = files->expected_path;
    const std::string regenerate = "\n  generate it with: python3 oracle/generate.py " + result.id;
    const JsonFile& expected = files->expected;
    if (!expected.doc) {
      result.detail = expected.error + regenerate;
      return result;
    }
    const std::string why = !expected.doc->is_object() || !expected.doc->contains("streams")
                                ? "no \"streams\""
                                : streams_error((*expected.doc)["streams"]);
    if (!why.empty()) {
      result.detail = expected_path.string() + ": " + why + regenerate;
      return result;
    }
    judge(request, case_doc, (*expected.doc)["streams"], result);
    // The driver was given the case file's path: where its view of the
    // machine is not read-only (§8), a driver may have changed it for this
    // one, and then this verdict means nothing.
    bool ok = false;
    if (read_bytes(request.case_file, kMaxCaseFileBytes, ok) != files->case_bytes) {
      result.outcome = Outcome::Error;
      result.detail = request.case_file.string() +
                      " changed while the run went on (was it written by a driver?): the case "
                      "was judged as it was before the run began, but its driver may have read "
                      "it changed\n  " +
                      result.detail;
    }
  } catch (const std::exception& e) {
    // A bug of the harness, never a reason to stop the run: this case is an ERROR.
    result.outcome = Outcome::Error;
    result.detail = std::string("internal error of the harness: ") + e.what();
  }
  return result;
}

}  // namespace

CaseFiles read_case_files(const std::filesystem::path& case_file,
                          const std::filesystem::path& expected_dir) {
  CaseFiles files;
  bool ok = false;
  files.case_bytes = read_bytes(case_file, kMaxCaseFileBytes, ok);
  if (!ok || ::access(case_file.c_str(), R_OK) != 0) {
    files.case_bytes.clear();
    files.case_file = {std::nullopt, case_file.string() + ": cannot be read"};
  } else if (files.case_bytes.size() > kMaxCaseFileBytes) {
    files.case_file = {std::nullopt, case_file.string() + ": larger than " +
                                         std::to_string(kMaxCaseFileBytes) + " bytes; refused"};
  } else {
    files.case_file = parse_json_text(files.case_bytes, case_file.string());
  }
  files.expected_path = expected_dir / (case_file.stem().string() + ".json");
  files.expected = read_json_file(files.expected_path, kMaxExpectedFileBytes);
  return files;
}

CaseResult run_case(const CaseRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  CaseResult result = judge_case(request);
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

std::vector<std::filesystem::path> list_cases(const std::filesystem::path& cases_dir) {
  std::vector<std::filesystem::path> cases;
  std::error_code error;
  std::filesystem::directory_iterator entries(cases_dir, error);
  if (error) throw std::runtime_error(cases_dir.string() + ": cannot be read: " + error.message());
  for (const auto& entry : entries)
    if (entry.path().extension() == ".json") cases.push_back(entry.path());
  std::sort(cases.begin(), cases.end());
  return cases;
}

std::vector<std::string> unknown_deviations(const Deviations& deviations,
                                            const std::vector<std::filesystem::path>& cases) {
  std::set<std::string> ids;
  for (const auto& path : cases) ids.insert(path.stem().string());
  std::vector<std::string> unknown;
  for (const auto& [id, reason] : deviations)
    if (!ids.count(id)) unknown.push_back(id);
  return unknown;
}

}  // namespace pyproc::harness

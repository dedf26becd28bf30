#include "case_run.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "compare.hpp"
#include "isolated_run.hpp"
#include "json_file.hpp"
#include "normalize.hpp"

namespace pyproc::harness {
namespace {

using nlohmann::json;

constexpr double kDefaultTimeoutSeconds = 30;

// The end of a long stderr is where the reason usually is.
std::string tail(const std::string& text, size_t max_chars = 2000) {
  if (text.empty()) return "(stderr was empty)";
  if (text.size() <= max_chars) return text;
  return "..." + text.substr(text.size() - max_chars);
}

std::string shorten(const std::string& text, size_t max_chars = 300) {
  return text.size() <= max_chars ? text : text.substr(0, max_chars) + "...";
}

// The minimum the harness needs from a case; the linter checks the rest.
std::string case_shape_error(const json& doc, const std::string& stem) {
  if (!doc.is_object()) return "a case must be a JSON object";
  if (!doc.contains("id") || !doc["id"].is_string()) return "missing string \"id\"";
  if (doc["id"] != stem) return "\"id\" is " + doc["id"].dump() + " but the file is " + stem;
  if (!doc.contains("title") || !doc["title"].is_string()) return "missing string \"title\"";
  if (!doc.contains("steps") || !doc["steps"].is_array()) return "missing array \"steps\"";
  if (doc.contains("timeout") && !doc["timeout"].is_number()) return "\"timeout\" must be a number";
  return {};
}

// What a driver printed must be a protocol document for this case (§5).
std::string protocol_error(const json& doc, const std::string& id) {
  if (!doc.is_object()) return "not a JSON object";
  if (doc.value("protocol", json()) != 1) return "\"protocol\" is not 1";
  if (doc.value("case", json()) != id) return "\"case\" is not \"" + id + "\"";
  if (doc.contains("unsupported")) return {};
  if (!doc.contains("streams") || !doc["streams"].is_object()) return "no \"streams\" object";
  for (const auto& stream : doc["streams"].items()) {
    if (!stream.value().is_array()) return "stream \"" + stream.key() + "\" is not an array";
    for (const auto& observation : stream.value())
      if (!observation.is_object() || observation.size() != 1 ||
          !(observation.contains("value") || observation.contains("raised")))
        return "stream \"" + stream.key() + "\" holds " + observation.dump() +
               ", not {\"value\": ...} or {\"raised\": ...}";
  }
  if (doc.contains("pids") && !doc["pids"].is_array()) return "\"pids\" is not an array";
  if (doc.contains("leaks") && !doc["leaks"].is_array()) return "\"leaks\" is not an array";
  return {};
}

std::string exit_description(const IsolatedRun& run) {
  if (!run.started) return run.error;
  if (run.term_signal) {
    const char* abbrev = sigabbrev_np(run.term_signal);
    return std::string("the driver died of signal ") + std::to_string(run.term_signal) +
           (abbrev ? std::string(" (SIG") + abbrev + ")" : "");
  }
  return "the driver exited with status " + std::to_string(run.exit_status);
}

}  // namespace

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::Pass:
      return "PASS";
    case Outcome::Fail:
      return "FAIL";
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

CaseResult run_case(const CaseRequest& request) {
  CaseResult result;
  result.id = request.case_file.stem().string();

  JsonFile case_file = read_json_file(request.case_file);
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

  const auto expected_path = request.expected_dir / (result.id + ".json");
  JsonFile expected = read_json_file(expected_path);
  if (!expected.doc) {
    result.detail =
        expected.error + "\n  generate it with: python3 oracle/generate.py " + result.id;
    return result;
  }
  if (!expected.doc->is_object() || !expected.doc->contains("streams")) {
    result.detail = expected_path.string() +
                    ": no \"streams\"; regenerate it with: " + "python3 oracle/generate.py " +
                    result.id;
    return result;
  }

  auto argv = request.driver;
  argv.push_back(request.case_file.string());
  const double timeout = case_doc.value("timeout", kDefaultTimeoutSeconds);
  const IsolatedRun run = run_isolated(argv, timeout);
  const std::string stderr_note = "\n  driver stderr:\n" + tail(run.err);

  if (run.hung) {
    result.outcome = Outcome::Hung;
    std::ostringstream seconds;
    seconds << timeout;
    result.detail = "no answer within " + seconds.str() +
                    " s; the case's process group was killed" + stderr_note;
    return result;
  }
  if (!run.started || run.exit_status != 0) {
    result.outcome = Outcome::Crash;
    result.detail = exit_description(run) + stderr_note;
    return result;
  }
  JsonFile printed = parse_json_text(run.out, "driver stdout");
  std::string why = printed.doc ? protocol_error(*printed.doc, result.id) : printed.error;
  if (!why.empty()) {
    result.outcome = Outcome::Crash;
    result.detail = "the driver printed something that is not a protocol document (" + why +
                    "): " + shorten(run.out) + stderr_note;
    return result;
  }
  if (run.leftovers > 0) {
    result.outcome = Outcome::Leak;
    result.detail = std::to_string(run.leftovers) +
                    " process(es) of the case were still running or unreaped after the driver "
                    "exited; they were killed and reaped" +
                    stderr_note;
    return result;
  }
  if (const json leaks = printed.doc->value("leaks", json::array()); !leaks.empty()) {
    result.outcome = Outcome::Leak;
    result.detail = "the driver reports what the case left behind in it: " + leaks.dump();
    return result;
  }
  if (printed.doc->contains("unsupported")) {
    result.outcome = Outcome::Unsupported;
    result.detail = (*printed.doc)["unsupported"].dump();
    return result;
  }

  const json actual = normalize(*printed.doc, case_doc);
  const auto difference = first_difference(case_doc, (*expected.doc)["streams"], actual["streams"]);
  const auto deviation = request.deviations.find(result.id);
  const bool declared = deviation != request.deviations.end();
  if (difference) {
    result.outcome = declared ? Outcome::XFail : Outcome::Fail;
    result.detail =
        *difference + (declared ? "\n  declared deviation: " + deviation->second : stderr_note);
  } else {
    result.outcome = declared ? Outcome::XPass : Outcome::Pass;
    if (declared)
      result.detail = "the case passes but a deviation is declared for it (\"" + deviation->second +
                      "\"): remove the deviation";
  }
  return result;
}

Deviations read_deviations(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) return {};
  JsonFile file = read_json_file(path);
  if (!file.doc) throw std::runtime_error(file.error);
  if (!file.doc->is_object())
    throw std::runtime_error(path.string() + ": must map case ids to reasons");
  Deviations deviations;
  for (const auto& item : file.doc->items()) {
    if (!item.value().is_string() || item.value().get<std::string>().empty())
      throw std::runtime_error(path.string() + ": the deviation for case " + item.key() +
                               " needs a reason (a non-empty string)");
    deviations[item.key()] = item.value();
  }
  return deviations;
}

std::vector<std::filesystem::path> list_cases(const std::filesystem::path& cases_dir) {
  std::vector<std::filesystem::path> cases;
  for (const auto& entry : std::filesystem::directory_iterator(cases_dir))
    if (entry.path().extension() == ".json") cases.push_back(entry.path());
  std::sort(cases.begin(), cases.end());
  return cases;
}

}  // namespace pyproc::harness

#include "reports.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "harness/json_exact.hpp"

namespace pyproc::cli {
namespace {

using nlohmann::json;

std::string xml_escaped(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        // XML 1.0 has no place for other control characters.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t' && c != '\r')
          out += "?";
        else
          out += c;
    }
  }
  return out;
}

std::string outcomes_text(const CaseReport& report) {
  std::string text;
  for (const auto outcome : report.outcomes)
    text += (text.empty() ? "" : " ") + std::string(harness::outcome_name(outcome));
  return text;
}

}  // namespace

bool CaseReport::flaky() const {
  return std::any_of(outcomes.begin(), outcomes.end(),
                     [&](harness::Outcome o) { return o != outcomes.front(); });
}

bool CaseReport::success() const {
  return !flaky() && std::all_of(outcomes.begin(), outcomes.end(), harness::is_success);
}

void write_json_lines(std::ostream& out, const std::vector<CaseReport>& reports) {
  for (const auto& report : reports) {
    const auto& result = report.result;
    json outcomes = json::array();
    for (const auto outcome : report.outcomes) outcomes.push_back(harness::outcome_name(outcome));
    // Written member by member: no copy of the (possibly large) observations.
    const json head = {{"id", result.id},
                       {"title", result.title},
                       {"outcome", harness::outcome_name(result.outcome)},
                       {"outcomes", outcomes},
                       {"flaky", report.flaky()},
                       {"seconds", result.seconds},
                       {"detail", result.detail},
                       {"differences_total", result.differences.total},
                       {"implementation", result.implementation},
                       {"stderr", result.stderr_tail}};
    std::string line = harness::to_text(head);
    line.pop_back();  // the closing brace: the large members follow
    line += ",\"differences\":[";
    for (std::size_t i = 0; i < result.differences.kept.size(); ++i) {
      if (i) line += ',';
      harness::write_text(line, result.differences.kept[i].to_json());
    }
    line += "],\"actual\":";
    harness::write_text(line, result.actual);
    line += "}\n";
    out << line;
  }
}

void write_junit(std::ostream& out, const std::vector<CaseReport>& reports,
                 const std::string& suite_name) {
  std::size_t failures = 0, skipped = 0;
  double seconds = 0;
  for (const auto& report : reports) {
    seconds += report.result.seconds;
    if (report.result.outcome == harness::Outcome::Unsupported && !report.flaky())
      ++skipped;
    else if (!report.success())
      ++failures;
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuite name=\"" << xml_escaped(suite_name) << "\" tests=\"" << reports.size()
      << "\" failures=\"" << failures << "\" errors=\"0\" skipped=\"" << skipped << "\" time=\""
      << std::fixed << std::setprecision(3) << seconds << "\">\n";
  for (const auto& report : reports) {
    const auto& result = report.result;
    out << "  <testcase classname=\"conformance\" name=\""
        << xml_escaped(result.id + " " + result.title) << "\" time=\"" << result.seconds << "\"";
    const std::string outcome = harness::outcome_name(result.outcome);
    if (report.success() && result.outcome != harness::Outcome::Unsupported) {
      out << "/>\n";
      continue;
    }
    out << ">\n";
    if (result.outcome == harness::Outcome::Unsupported && !report.flaky())
      out << "    <skipped message=\"" << xml_escaped(result.detail) << "\"/>\n";
    else
      out << "    <failure message=\""
          << xml_escaped(report.flaky() ? "FLAKY: " + outcomes_text(report) : outcome) << "\">"
          << xml_escaped(result.detail) << "</failure>\n";
    if (!result.stderr_tail.empty())
      out << "    <system-err>" << xml_escaped(result.stderr_tail) << "</system-err>\n";
    out << "  </testcase>\n";
  }
  out << "</testsuite>\n";
}

void write_deviations(std::ostream& out, const std::vector<CaseReport>& reports) {
  out << "{";
  bool first = true;
  for (const auto& report : reports) {
    const auto& result = report.result;
    if (result.outcome != harness::Outcome::Fail && result.outcome != harness::Outcome::XFail &&
        result.outcome != harness::Outcome::Unresolved)
      continue;
    const auto entry = harness::deviation_entry(
        "FILL IN: why this implementation cannot match CPython here", result.differences);
    out << (first ? "\n  " : ",\n  ") << json(result.id).dump() << ": " << harness::to_text(entry);
    first = false;
  }
  out << (first ? "}\n" : "\n}\n");
}

}  // namespace pyproc::cli

// pyproc-conform: runs the conformance suite against any driver and prints one
// line per case (id, outcome, title), the details of every case that did not
// pass, and a closing count. Exit status: 0 when every case is a success, 1
// when one is not, 2 when the run itself is wrong (an unknown case id, an
// empty selection, a missing or stale deviations file); stopped by SIGINT,
// SIGTERM or SIGHUP, it ends the running case and dies of that signal.
//
//   pyproc-conform [--cases DIR] [--expected DIR] [--deviations FILE]
//                  [--only ID]... -- DRIVER [ARGS...]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "harness/case_run.hpp"
#include "harness/live_cases.hpp"

namespace harness = pyproc::harness;

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

// The cases to run, or an explanation of why the selection is wrong.
std::vector<std::filesystem::path> select(const std::vector<std::filesystem::path>& all,
                                          const std::vector<std::string>& only,
                                          std::string& error) {
  if (only.empty()) {
    if (all.empty()) error = "the cases directory holds no case (*.json)";
    return all;
  }
  std::vector<std::filesystem::path> chosen;
  std::vector<std::string> unknown;
  const std::set<std::string> wanted(only.begin(), only.end());
  for (const auto& id : wanted) {
    auto it = std::find_if(all.begin(), all.end(),
                           [&](const auto& path) { return path.stem().string() == id; });
    if (it == all.end())
      unknown.push_back(id);
    else
      chosen.push_back(*it);
  }
  if (!unknown.empty()) error = "no such case: " + joined(unknown);
  return chosen;
}

}  // namespace

int main(int argc, char** argv) {
  harness::end_cases_on_interrupt();
  CLI::App app{"Run the pyproc conformance suite against a driver (spec/protocol.md)"};
  std::string cases_dir = PYPROC_SOURCE_DIR "/conformance/cases";
  std::string expected_dir = PYPROC_SOURCE_DIR "/conformance/expected";
  std::string deviations_file;
  std::vector<std::string> only;
  std::vector<std::string> driver;
  app.add_option("--cases", cases_dir, "directory of case files")->check(CLI::ExistingDirectory);
  app.add_option("--expected", expected_dir, "directory of expected files")
      ->check(CLI::ExistingDirectory);
  app.add_option("--deviations", deviations_file,
                 "the driver's deviations file (case id -> reason)");
  app.add_option("--only", only, "run only these case ids");
  app.add_option("driver", driver, "the driver command; the case file is appended")->required();
  app.positionals_at_end();
  CLI11_PARSE(app, argc, argv);

  harness::Deviations deviations;
  std::vector<std::filesystem::path> cases;
  std::string error;
  try {
    const auto all = harness::list_cases(cases_dir);
    cases = select(all, only, error);
    if (!deviations_file.empty()) {
      deviations = harness::read_deviations(deviations_file);
      if (auto unknown = harness::unknown_deviations(deviations, all); !unknown.empty())
        error = deviations_file +
                ": deviations declared for cases that do not exist: " + joined(unknown);
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty()) {
    std::cerr << "pyproc-conform: " << error << "\n";
    return 2;
  }

  std::map<harness::Outcome, int> counts;
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& case_file : cases) {
    const auto result = harness::run_case({case_file, expected_dir, driver, deviations});
    ++counts[result.outcome];
    if (result.outcome == harness::Outcome::Unsupported)
      ++skipped;
    else
      (harness::is_success(result.outcome) ? passed : failed)++;
    std::cout << result.id << "  " << harness::outcome_name(result.outcome) << "  "
              << (result.title.empty() ? "(unreadable case)" : result.title) << "\n";
    if (result.outcome != harness::Outcome::Pass && !result.detail.empty())
      std::cout << "    " << result.detail << "\n";
    std::cout.flush();
  }
  std::cout << "\n";
  for (const auto& [outcome, count] : counts)
    std::cout << harness::outcome_name(outcome) << ": " << count << "  ";
  std::cout << "\n" << passed << " passed, " << failed << " failed, " << skipped << " skipped\n";
  return failed == 0 ? 0 : 1;
}

// pyproc-conform: runs the conformance suite against any driver and prints one
// line per case (id, outcome, title), the details of every case that did not
// pass, and a closing count. Exit status 1 when any case is not a success.
//
//   pyproc-conform [--cases DIR] [--expected DIR] [--deviations FILE]
//                  [--only ID]... -- DRIVER [ARGS...]
#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

#include "harness/case_run.hpp"

namespace harness = pyproc::harness;

int main(int argc, char** argv) {
  CLI::App app{"Run the pyproc conformance suite against a driver (spec/protocol.md)"};
  std::string cases_dir = PYPROC_SOURCE_DIR "/conformance/cases";
  std::string expected_dir = PYPROC_SOURCE_DIR "/conformance/expected";
  std::string deviations_file;
  std::vector<std::string> only;
  std::vector<std::string> driver;
  app.add_option("--cases", cases_dir, "directory of case files")->check(CLI::ExistingDirectory);
  app.add_option("--expected", expected_dir, "directory of expected files");
  app.add_option("--deviations", deviations_file,
                 "the driver's deviations file (case id -> reason)");
  app.add_option("--only", only, "run only these case ids");
  app.add_option("driver", driver, "the driver command; the case file is appended")->required();
  app.positionals_at_end();
  CLI11_PARSE(app, argc, argv);

  harness::Deviations deviations;
  try {
    if (!deviations_file.empty()) deviations = harness::read_deviations(deviations_file);
  } catch (const std::exception& e) {
    std::cerr << "pyproc-conform: " << e.what() << "\n";
    return 2;
  }

  std::map<harness::Outcome, int> counts;
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& case_file : harness::list_cases(cases_dir)) {
    const auto id = case_file.stem().string();
    if (!only.empty() && std::find(only.begin(), only.end(), id) == only.end()) continue;
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

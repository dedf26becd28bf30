// pyproc-conform: runs the conformance suite against any driver and prints one
// line per case (id, outcome, title), the details of every case that did not
// pass, and a closing count, and on request results for machines. --list
// prints the selected cases without running anything.
//
// Exit status: 0 when every case is a success, 1 when one is not, 2 when the
// run itself is wrong (an unknown case id, an empty selection, a missing or
// stale deviations file, a bad option). Stopped by SIGINT, SIGTERM or SIGHUP,
// it ends the running cases and dies of that signal (spec/protocol.md §7.2).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "cli/reports.hpp"
#include "cli/selection.hpp"
#include "harness/case_run.hpp"
#include "harness/json_exact.hpp"
#include "harness/json_file.hpp"
#include "harness/live_cases.hpp"

namespace harness = pyproc::harness;
using pyproc::cli::CaseReport;
using pyproc::cli::joined;

namespace {

// The suite this runner belongs to: the installed one (<prefix>/bin/.. /
// share/pyproc) when it runs from an installed tree, else its source tree.
std::filesystem::path suite_dir() {
  std::error_code error;
  const auto exe_dir = std::filesystem::read_symlink("/proc/self/exe", error).parent_path();
  const auto installed = exe_dir / ".." / PYPROC_INSTALLED_DATA_DIR;
  if (!error && std::filesystem::exists(installed / "conformance" / "cases", error))
    return std::filesystem::weakly_canonical(installed, error);
  return PYPROC_SOURCE_DIR;
}

struct Options {
  std::string cases_dir = (suite_dir() / "conformance" / "cases").string();
  std::string expected_dir = (suite_dir() / "conformance" / "expected").string();
  std::string deviations_file;
  std::vector<std::string> only, skip;
  std::string shard;  // --shard K/N
  bool list = false;
  std::vector<std::string> driver;
  unsigned jobs = 1;
  unsigned repeat = 1;
  double timeout = 0;
  std::string json_lines, junit, write_deviations;
  std::vector<std::string> environment;  // --env, as "NAME=value"
};

// Runs every case `repeat` times on `jobs` threads; `print` sees the reports
// in case order, each as soon as it and all before it are done.
std::vector<CaseReport> run_all(const std::vector<std::filesystem::path>& cases,
                                const Options& options, const harness::Deviations& deviations,
                                const std::function<void(const CaseReport&)>& print) {
  // Every case and expected file is read before the first driver starts
  // (spec/protocol.md §8): a driver cannot change what a later case is
  // judged against.
  std::vector<std::shared_ptr<const harness::CaseFiles>> files;
  files.reserve(cases.size());
  for (const auto& path : cases)
    files.push_back(std::make_shared<const harness::CaseFiles>(
        harness::read_case_files(path, options.expected_dir)));
  std::vector<std::optional<CaseReport>> reports(cases.size());
  std::mutex mutex;
  std::condition_variable done;
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < cases.size();) {
      CaseReport report;
      for (unsigned run = 0; run < options.repeat; ++run) {
        auto result = harness::run_case({.case_file = cases[i],
                                         .expected_dir = options.expected_dir,
                                         .driver = options.driver,
                                         .deviations = deviations,
                                         .isolation = {},
                                         .timeout_override = options.timeout,
                                         .environment = options.environment,
                                         .files = files[i]});
        report.outcomes.push_back(result.outcome);
        // The first run's result, unless it succeeded and a later run did
        // not: then the first failing one's, so that a FLAKY case shows the
        // differences and stderr of a run that failed.
        if (run == 0 ||
            (harness::is_success(report.result.outcome) && !harness::is_success(result.outcome)))
          report.result = std::move(result);
      }
      std::lock_guard lock(mutex);
      reports[i] = std::move(report);
      done.notify_all();
    }
  };
  std::vector<std::thread> workers;
  for (unsigned j = 0; j < std::max(1u, options.jobs); ++j) workers.emplace_back(worker);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    std::unique_lock lock(mutex);
    done.wait(lock, [&] { return reports[i].has_value(); });
    print(*reports[i]);
  }
  for (auto& thread : workers) thread.join();
  std::vector<CaseReport> out;
  for (auto& report : reports) out.push_back(std::move(*report));
  return out;
}

void print_case(const CaseReport& report) {
  const auto& result = report.result;
  std::cout << result.id << "  "
            << (report.flaky() ? "FLAKY" : harness::outcome_name(result.outcome)) << "  "
            << (result.title.empty() ? "(unreadable case)" : result.title) << "\n";
  if (report.flaky()) {
    std::cout << "    outcomes of the " << report.outcomes.size() << " runs:";
    for (const auto outcome : report.outcomes) std::cout << " " << harness::outcome_name(outcome);
    std::cout << "\n";
  }
  if (result.outcome != harness::Outcome::Pass && !result.detail.empty())
    std::cout << "    " << result.detail << "\n";
  std::cout.flush();
}

// Writes `what` to `path` unless it is empty; false (with a message) on error.
bool write_file(const std::string& path, const std::function<void(std::ostream&)>& what) {
  if (path.empty()) return true;
  std::ofstream out(path);
  what(out);
  if (out.flush()) return true;
  std::cerr << "pyproc-conform: cannot write " << path << "\n";
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  harness::end_cases_on_interrupt();
  CLI::App app{"Run the pyproc conformance suite against a driver (spec/protocol.md)"};
  Options options;
  app.set_version_flag("--version",
                       "pyproc-conform " PYPROC_VERSION " (spec/protocol.md, protocol 3)");
  app.add_option("--cases", options.cases_dir, "directory of case files")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  app.add_option("--expected", options.expected_dir, "directory of expected files")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  app.add_option("--deviations", options.deviations_file,
                 "the driver's deviations file (spec/protocol.md §7.1)");
  app.add_option("--only", options.only,
                 "run only these cases: ids (0007), ranges (0300-0399) or globs ('06*')");
  app.add_option("--skip", options.skip, "leave these cases out (same forms as --only)");
  app.add_option("--shard", options.shard,
                 "K/N: run only the K-th of N parts of the selection (the case at position i "
                 "goes to part i mod N + 1), so that N machines share a run");
  app.add_flag("--list", options.list, "print the selected cases (id and title), run nothing");
  app.add_option("-j,--jobs", options.jobs, "cases run at once, each isolated (default 1)")
      ->check(CLI::Range(1u, 256u));
  app.add_option("--repeat", options.repeat,
                 "run every case N times; a case whose outcome changes is FLAKY (a failure; its "
                 "result is the first run's, or the first failing run's after a success)")
      ->check(CLI::Range(1u, 10000u));
  app.add_option("--timeout", options.timeout,
                 "seconds every case may take, instead of its own (at most 600)")
      ->check(CLI::Range(0.001, harness::kMaxCaseTimeoutSeconds));
  app.add_option("--env", options.environment,
                 "NAME=value, or NAME for this runner's value: added to the driver's fixed "
                 "environment (spec/protocol.md §5.1)");
  app.add_option("--json-lines", options.json_lines, "also write one JSON object per case here");
  app.add_option("--junit", options.junit, "also write JUnit XML here");
  app.add_option("--write-deviations", options.write_deviations,
                 "write a deviations file excusing exactly what failed in this run here");
  app.add_option("driver", options.driver,
                 "the driver command; the case file is appended (required unless --list)");
  app.positionals_at_end();
  CLI11_PARSE(app, argc, argv);
  if (options.driver.empty() && !options.list) {
    std::cerr << "pyproc-conform: a driver command is required (after --); see --help\n";
    return 2;
  }

  for (auto& entry : options.environment) {
    if (entry.empty() || entry.front() == '=') {
      std::cerr << "pyproc-conform: --env " << entry << ": NAME=value or NAME\n";
      return 2;
    }
    if (entry.find('=') != std::string::npos) continue;
    const char* value = std::getenv(entry.c_str());
    if (!value) {
      std::cerr << "pyproc-conform: --env " << entry << ": not set in this environment\n";
      return 2;
    }
    entry += "=" + std::string(value);
  }

  harness::Deviations deviations;
  std::vector<std::filesystem::path> cases;
  std::string error;
  try {
    const auto all = harness::list_cases(options.cases_dir);
    auto selection = pyproc::cli::select_cases(all, options.only, options.skip);
    cases = std::move(selection.cases);
    error = std::move(selection.error);
    if (error.empty() && !options.shard.empty()) {
      // An empty shard (more shards than cases) is no error: its part of
      // the run is simply nothing.
      if (const auto shard = pyproc::cli::parse_shard(options.shard, error))
        cases = pyproc::cli::shard_of(cases, *shard);
    }
    if (!options.deviations_file.empty()) {
      deviations = harness::read_deviations(options.deviations_file);
      if (auto unknown = harness::unknown_deviations(deviations, all); !unknown.empty())
        error = options.deviations_file +
                ": deviations declared for cases that do not exist: " + joined(unknown);
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty()) {
    std::cerr << "pyproc-conform: " << error << "\n";
    return 2;
  }

  if (options.list) {
    for (const auto& path : cases) {
      const auto file = harness::read_json_file(path, harness::kMaxCaseFileBytes);
      const auto title = file.doc && file.doc->is_object() && file.doc->contains("title") &&
                                 (*file.doc)["title"].is_string()
                             ? (*file.doc)["title"].get<std::string>()
                             : "(unreadable case: " + file.error + ")";
      std::cout << path.stem().string() << "  " << title << "\n";
    }
    std::cout << cases.size() << " case(s)\n";
    return 0;
  }
  const auto reports = run_all(cases, options, deviations, print_case);

  std::map<std::string, int> counts;
  int passed = 0, failed = 0, skipped = 0, unresolved = 0;
  std::set<std::string> identities;
  for (const auto& report : reports) {
    const auto& result = report.result;
    ++counts[report.flaky() ? "FLAKY" : harness::outcome_name(result.outcome)];
    if (!result.implementation.is_null())
      identities.insert(harness::to_text(result.implementation));
    if (report.flaky() || !report.success()) {
      ++failed;
      if (!report.flaky() && result.outcome == harness::Outcome::Unresolved) ++unresolved;
    } else if (result.outcome == harness::Outcome::Unsupported)
      ++skipped;
    else
      ++passed;
  }
  std::cout << "\n";
  for (const auto& identity : identities) std::cout << "implementation: " << identity << "\n";
  for (const auto& [outcome, count] : counts) std::cout << outcome << ": " << count << "  ";
  // An UNRESOLVED case fails the run but shows nothing about its clauses (§7).
  std::cout << "\n"
            << passed << " passed, " << failed << " failed"
            << (unresolved ? " (" + std::to_string(unresolved) + " of them unresolved)" : "")
            << ", " << skipped << " skipped\n";

  const bool written =
      write_file(options.json_lines,
                 [&](std::ostream& out) { pyproc::cli::write_json_lines(out, reports); }) &&
      write_file(options.junit,
                 [&](std::ostream& out) {
                   pyproc::cli::write_junit(out, reports,
                                            "pyproc conformance: " + joined(options.driver));
                 }) &&
      write_file(options.write_deviations,
                 [&](std::ostream& out) { pyproc::cli::write_deviations(out, reports); });
  if (!written) return 2;
  return failed == 0 ? 0 : 1;
}

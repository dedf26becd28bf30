// One GoogleTest per conformance case, registered at start-up from the files
// in conformance/cases, each running the C++ driver in isolation. ctest adds
// one test per case too (conformance.<id>), so `ctest -R 0007` runs one.
//
// Flags after GoogleTest's own (each optional; defaults: this source tree and
// the C++ driver): --cases=DIR --expected=DIR --deviations=FILE --driver=PATH
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>

#include "harness/case_run.hpp"
#include "harness/live_cases.hpp"

namespace harness = pyproc::harness;

namespace {

struct Suite {
  std::string cases = PYPROC_SOURCE_DIR "/conformance/cases";
  std::string expected = PYPROC_SOURCE_DIR "/conformance/expected";
  std::string deviations = PYPROC_SOURCE_DIR "/conformance/deviations/cpp.json";
  std::string driver = PYPROC_DRIVER;
};

// Reads the flags GoogleTest left; false (with a message) on anything else.
bool read_flags(int argc, char** argv, Suite& suite) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    bool known = false;
    for (auto [name, into] : {std::pair{"--cases=", &suite.cases},
                              {"--expected=", &suite.expected},
                              {"--deviations=", &suite.deviations},
                              {"--driver=", &suite.driver}}) {
      if (arg.rfind(name, 0) == 0) {
        *into = arg.substr(std::string_view(name).size());
        known = true;
      }
    }
    if (!known) {
      std::cerr << "pyproc_conformance_tests: unknown argument " << arg << "\n";
      return false;
    }
  }
  return true;
}

// The case ids of the registered tests, and the files of those selected to
// run, each read once before the first driver starts (spec/protocol.md §8):
// no driver can change what a later case is judged against.
std::map<std::string, std::filesystem::path>& registered() {
  static std::map<std::string, std::filesystem::path> cases;
  return cases;
}

const std::map<std::string, std::shared_ptr<const harness::CaseFiles>>& snapshot(
    const Suite& suite) {
  static std::map<std::string, std::shared_ptr<const harness::CaseFiles>> files;
  static std::once_flag once;
  std::call_once(once, [&] {
    const auto* unit = testing::UnitTest::GetInstance();
    for (int i = 0; i < unit->total_test_suite_count(); ++i) {
      const auto* test_suite = unit->GetTestSuite(i);
      for (int j = 0; j < test_suite->total_test_count(); ++j) {
        const auto* info = test_suite->GetTestInfo(j);
        const std::string name = info->name();
        if (!info->should_run() || name.rfind("case_", 0) != 0) continue;
        const auto found = registered().find(name.substr(5));
        if (found == registered().end()) continue;
        files[found->first] = std::make_shared<const harness::CaseFiles>(
            harness::read_case_files(found->second, suite.expected));
      }
    }
  });
  return files;
}

class CaseTest : public testing::Test {
 public:
  CaseTest(std::filesystem::path case_file, const Suite& suite,
           const harness::Deviations& deviations)
      : case_file_(std::move(case_file)), suite_(suite), deviations_(deviations) {}

  void TestBody() override {
    harness::CaseRequest request{case_file_, suite_.expected, {suite_.driver}, deviations_};
    request.files = snapshot(suite_).at(case_file_.stem().string());
    const auto result = harness::run_case(request);
    RecordProperty("outcome", harness::outcome_name(result.outcome));
    if (result.outcome == harness::Outcome::Unsupported)
      GTEST_SKIP() << "the driver cannot express case " << result.id << ": " << result.detail;
    EXPECT_TRUE(harness::is_success(result.outcome))
        << "case " << result.id << " — " << result.title << "\n"
        << harness::outcome_name(result.outcome) << ": " << result.detail;
  }

 private:
  std::filesystem::path case_file_;
  const Suite& suite_;
  const harness::Deviations& deviations_;
};

}  // namespace

int main(int argc, char** argv) {
  harness::end_cases_on_interrupt();
  testing::InitGoogleTest(&argc, argv);
  static Suite suite;
  if (!read_flags(argc, argv, suite)) return 2;
  static harness::Deviations deviations;
  std::vector<std::filesystem::path> cases;
  try {
    cases = harness::list_cases(suite.cases);
    deviations = harness::read_deviations(suite.deviations);
    if (auto unknown = harness::unknown_deviations(deviations, cases); !unknown.empty())
      throw std::runtime_error(
          suite.deviations + ": a deviation names a case that does not exist: " + unknown.front());
  } catch (const std::exception& e) {
    std::cerr << "pyproc_conformance_tests: " << e.what() << "\n";
    return 2;
  }
  if (cases.empty()) {
    std::cerr << "pyproc_conformance_tests: " << suite.cases << " holds no case\n";
    return 2;
  }
  for (const auto& case_file : cases) {
    const std::string id = case_file.stem().string();
    registered()[id] = case_file;
    testing::RegisterTest(
        "Conformance", ("case_" + id).c_str(), nullptr, nullptr, __FILE__, __LINE__,
        [case_file]() -> testing::Test* { return new CaseTest(case_file, suite, deviations); });
  }
  return RUN_ALL_TESTS();
}

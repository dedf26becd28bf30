// One GoogleTest per conformance case, registered at start-up from the files
// in conformance/cases, each running the C++ driver in isolation. ctest adds
// one test per case too (conformance.<id>), so `ctest -R 0007` runs one.
#include <gtest/gtest.h>

#include <cstdlib>

#include "harness/case_run.hpp"

namespace harness = pyproc::harness;

namespace {

const char* kCasesDir = PYPROC_SOURCE_DIR "/conformance/cases";
const char* kExpectedDir = PYPROC_SOURCE_DIR "/conformance/expected";
const char* kDeviations = PYPROC_SOURCE_DIR "/conformance/deviations/cpp.json";

class CaseTest : public testing::Test {
 public:
  CaseTest(std::filesystem::path case_file, const harness::Deviations& deviations)
      : case_file_(std::move(case_file)), deviations_(deviations) {}

  void TestBody() override {
    const auto result = harness::run_case({case_file_, kExpectedDir, {PYPROC_DRIVER}, deviations_});
    RecordProperty("outcome", harness::outcome_name(result.outcome));
    if (result.outcome == harness::Outcome::Unsupported)
      GTEST_SKIP() << "the driver cannot express case " << result.id << ": " << result.detail;
    EXPECT_TRUE(harness::is_success(result.outcome))
        << "case " << result.id << " — " << result.title << "\n"
        << harness::outcome_name(result.outcome) << ": " << result.detail;
  }

 private:
  std::filesystem::path case_file_;
  const harness::Deviations& deviations_;
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  static const harness::Deviations deviations = harness::read_deviations(kDeviations);
  for (const auto& case_file : harness::list_cases(kCasesDir)) {
    const std::string id = case_file.stem().string();
    testing::RegisterTest(
        "Conformance", ("case_" + id).c_str(), nullptr, nullptr, __FILE__, __LINE__,
        [case_file]() -> testing::Test* { return new CaseTest(case_file, deviations); });
  }
  return RUN_ALL_TESTS();
}

// The runner's --only and --skip (cli/selection.hpp): ids, ranges, globs, and
// every pattern that names no case refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/selection.hpp"

namespace {

using pyproc::cli::select_cases;

const std::vector<std::filesystem::path> kAll = {"c/0001.json", "c/0007.json", "c/0300.json",
                                                 "c/0350.json", "c/0399.json", "c/0400.json",
                                                 "c/0601.json", "c/0672.json"};

std::vector<std::string> ids(const pyproc::cli::Selection& selection) {
  std::vector<std::string> out;
  for (const auto& path : selection.cases) out.push_back(path.stem().string());
  return out;
}

TEST(RunnerSelection, NothingGivenIsEveryCase) {
  const auto s = select_cases(kAll, {}, {});
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.cases, kAll);
}

TEST(RunnerSelection, IdsRangesAndGlobsKeepTheSuitesOrder) {
  const auto s = select_cases(kAll, {"06*", "0300-0399", "0001"}, {});
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(ids(s), (std::vector<std::string>{"0001", "0300", "0350", "0399", "0601", "0672"}));
}

TEST(RunnerSelection, ARangeIsInclusiveAndNumeric) {
  EXPECT_EQ(ids(select_cases(kAll, {"0007-0350"}, {})),
            (std::vector<std::string>{"0007", "0300", "0350"}));
  EXPECT_EQ(ids(select_cases(kAll, {"0399-0400"}, {})), (std::vector<std::string>{"0399", "0400"}));
}

TEST(RunnerSelection, SkipRemovesFromTheSelection) {
  EXPECT_EQ(ids(select_cases(kAll, {"03*"}, {"0350"})), (std::vector<std::string>{"0300", "0399"}));
  EXPECT_EQ(ids(select_cases(kAll, {}, {"03??", "04*", "06*"})),
            (std::vector<std::string>{"0001", "0007"}));
}

TEST(RunnerSelection, APatternThatNamesNoCaseIsAnError) {
  EXPECT_EQ(select_cases(kAll, {"0001", "9999", "08*"}, {}).error, "no such case: 9999, 08*");
  EXPECT_EQ(select_cases(kAll, {"0500-0599"}, {}).error, "no such case: 0500-0599");
  EXPECT_EQ(select_cases(kAll, {}, {"0002"}).error, "--skip names no case: 0002");
}

TEST(RunnerSelection, SkippingEverythingIsAnError) {
  EXPECT_EQ(select_cases(kAll, {"06*"}, {"06*"}).error, "--skip leaves no case to run");
  EXPECT_EQ(select_cases({}, {}, {}).error, "the cases directory holds no case (*.json)");
}

}  // namespace

// The runner's --only and --skip (cli/selection.hpp): ids, ranges, globs, and
// every pattern that names no case refused; --shard K/N's partition.
#include <gtest/gtest.h>

#include <algorithm>
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

std::string shard_error(const std::string& text) {
  std::string error;
  EXPECT_FALSE(pyproc::cli::parse_shard(text, error).has_value()) << text;
  return error;
}

TEST(RunnerShard, KOfNIsParsed) {
  std::string error;
  const auto shard = pyproc::cli::parse_shard("2/4", error);
  ASSERT_TRUE(shard.has_value()) << error;
  EXPECT_EQ(shard->index, 2u);
  EXPECT_EQ(shard->count, 4u);
  EXPECT_TRUE(pyproc::cli::parse_shard("1/1", error).has_value());
  EXPECT_TRUE(pyproc::cli::parse_shard("100000/100000", error).has_value());
}

TEST(RunnerShard, ZeroOrKBeyondNOrJunkIsAClearError) {
  EXPECT_EQ(shard_error("0/4"), "--shard 0/4: K must be 1..4 (shards are numbered from 1)");
  EXPECT_EQ(shard_error("5/4"), "--shard 5/4: K must be 1..4 (shards are numbered from 1)");
  EXPECT_EQ(shard_error("1/0"), "--shard 1/0: N must be 1..100000");
  EXPECT_EQ(shard_error("0/0"), "--shard 0/0: N must be 1..100000");
  for (const std::string junk :
       {"", "2", "2/", "/4", "a/4", "2/b", "-1/4", "2/4/6", " 2/4", "2 /4", "+2/4", "2.0/4",
        "99999999999999999999/4", "2/99999999999999999999"}) {
    EXPECT_EQ(shard_error(junk),
              "--shard " + junk + ": expected K/N, two whole numbers (2/4: the second of four)");
  }
}

TEST(RunnerShard, TheShardsPartitionTheSelectionStablyAndEvenly) {
  const auto selected = select_cases(kAll, {}, {"0007"}).cases;  // seven cases
  for (unsigned n = 1; n <= 9; ++n) {
    std::vector<std::filesystem::path> joined;
    std::size_t smallest = selected.size(), largest = 0;
    for (unsigned k = 1; k <= n; ++k) {
      const auto part = pyproc::cli::shard_of(selected, {k, n});
      EXPECT_EQ(part, pyproc::cli::shard_of(selected, {k, n}));  // the same every time
      smallest = std::min(smallest, part.size());
      largest = std::max(largest, part.size());
      joined.insert(joined.end(), part.begin(), part.end());
    }
    std::sort(joined.begin(), joined.end());
    EXPECT_EQ(joined, selected) << n << " shards: every case exactly once";
    EXPECT_LE(largest - smallest, 1u) << n << " shards";
  }
  EXPECT_EQ(ids({pyproc::cli::shard_of(selected, {2, 3}), ""}),
            (std::vector<std::string>{"0300", "0400"}));
  EXPECT_TRUE(pyproc::cli::shard_of(selected, {9, 9}).empty());
}

}  // namespace

// Which cases a run takes: the runner's --only, --skip and --shard. A pattern is a case
// id ("0007"), an inclusive range of ids ("0300-0399") or a shell glob over
// ids ("06*", "04?7"). A pattern that names no case is an error, not an empty
// part of the selection: a typo must not pass for a smaller suite.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pyproc::cli {

struct Selection {
  std::vector<std::filesystem::path> cases;  // in the order of `all`
  std::string error;                         // set when the selection is wrong
};

// The cases of `all` that some pattern of `only` matches (every case when
// `only` is empty), less those that some pattern of `skip` matches.
// The items separated by ", " (for messages that list ids or patterns).
std::string joined(const std::vector<std::string>& items);

Selection select_cases(const std::vector<std::filesystem::path>& all,
                       const std::vector<std::string>& only, const std::vector<std::string>& skip);

// --shard K/N: the K-th of N parts of a selection (K in 1..N), so that N
// machines each run one part and their results merge into one run's.
struct Shard {
  unsigned index = 1;  // K
  unsigned count = 1;  // N
};

// "K/N" (decimal, 1 <= K <= N <= 100000); std::nullopt with `error` set
// (naming the text) for anything else.
std::optional<Shard> parse_shard(const std::string& text, std::string& error);

// The cases of `selected` in shard `shard`: the one at position i (from 0,
// in the selection's order) belongs to shard i mod N + 1. The partition is
// stable (the same selection always splits the same way), every selected
// case is in exactly one shard, and the shards' sizes differ by at most one.
// A shard may be empty when N exceeds the number of cases.
std::vector<std::filesystem::path> shard_of(const std::vector<std::filesystem::path>& selected,
                                            Shard shard);

}  // namespace pyproc::cli

#include "cli/selection.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <optional>
#include <utility>

namespace pyproc::cli {
namespace {

bool all_digits(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "0300-0399": the two ends, ids of the same width; std::nullopt for another pattern.
std::optional<std::pair<std::string, std::string>> range_of(const std::string& pattern) {
  const auto dash = pattern.find('-');
  if (dash == std::string::npos) return std::nullopt;
  std::string low = pattern.substr(0, dash), high = pattern.substr(dash + 1);
  if (!all_digits(low) || !all_digits(high) || low.size() != high.size()) return std::nullopt;
  return std::pair{std::move(low), std::move(high)};
}

bool matches(const std::string& pattern, const std::string& id) {
  if (const auto range = range_of(pattern)) {
    // Same width: text order is number order.
    return all_digits(id) && id.size() == range->first.size() && range->first <= id &&
           id <= range->second;
  }
  return ::fnmatch(pattern.c_str(), id.c_str(), 0) == 0;
}

// The cases some pattern matches; every pattern that matches none in `unmatched`.
std::vector<bool> mark(const std::vector<std::filesystem::path>& all,
                       const std::vector<std::string>& patterns,
                       std::vector<std::string>& unmatched) {
  std::vector<bool> marked(all.size(), false);
  for (const auto& pattern : patterns) {
    bool any = false;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (matches(pattern, all[i].stem().string())) marked[i] = any = true;
    }
    if (!any && std::find(unmatched.begin(), unmatched.end(), pattern) == unmatched.end())
      unmatched.push_back(pattern);
  }
  return marked;
}

}  // namespace

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

Selection select_cases(const std::vector<std::filesystem::path>& all,
                       const std::vector<std::string>& only, const std::vector<std::string>& skip) {
  Selection selection;
  if (all.empty()) {
    selection.error = "the cases directory holds no case (*.json)";
    return selection;
  }
  std::vector<std::string> unknown, unknown_skip;
  const auto chosen = mark(all, only, unknown);
  const auto skipped = mark(all, skip, unknown_skip);
  if (!unknown.empty()) {
    selection.error = "no such case: " + joined(unknown);
    return selection;
  }
  if (!unknown_skip.empty()) {
    selection.error = "--skip names no case: " + joined(unknown_skip);
    return selection;
  }
  for (std::size_t i = 0; i < all.size(); ++i) {
    if ((only.empty() || chosen[i]) && !skipped[i]) selection.cases.push_back(all[i]);
  }
  if (selection.cases.empty()) selection.error = "--skip leaves no case to run";
  return selection;
}

std::optional<Shard> parse_shard(const std::string& text, std::string& error) {
  constexpr unsigned long kMaxShards = 100000;
  const auto slash = text.find('/');
  const std::string k = slash == std::string::npos ? "" : text.substr(0, slash);
  const std::string n = slash == std::string::npos ? "" : text.substr(slash + 1);
  // Digits only, and short enough that stoul cannot overflow.
  if (!all_digits(k) || !all_digits(n) || k.size() > 6 || n.size() > 6) {
    error = "--shard " + text + ": expected K/N, two whole numbers (2/4: the second of four)";
    return std::nullopt;
  }
  const unsigned long index = std::stoul(k), count = std::stoul(n);
  if (count == 0 || count > kMaxShards) {
    error = "--shard " + text + ": N must be 1.." + std::to_string(kMaxShards);
    return std::nullopt;
  }
  if (index == 0 || index > count) {
    error = "--shard " + text + ": K must be 1.." + std::to_string(count) +
            " (shards are numbered from 1)";
    return std::nullopt;
  }
  return Shard{static_cast<unsigned>(index), static_cast<unsigned>(count)};
}

std::vector<std::filesystem::path> shard_of(const std::vector<std::filesystem::path>& selected,
                                            Shard shard) {
  std::vector<std::filesystem::path> part;
  for (std::size_t i = shard.index - 1; i < selected.size(); i += shard.count)
    part.push_back(selected[i]);
  return part;
}

}  // namespace pyproc::cli

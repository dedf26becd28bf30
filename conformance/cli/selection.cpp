#include "cli/selection.hpp"

#include <fnmatch.h>

#include <algorithm>

namespace pyproc::cli {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

bool all_digits(const std::string& text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "0300-0399": both ends ids of the same width, compared as numbers.
bool in_range(const std::string& pattern, const std::string& id) {
  const auto dash = pattern.find('-');
  const std::string low = pattern.substr(0, dash), high = pattern.substr(dash + 1);
  if (!all_digits(id) || id.size() != low.size()) return false;
  return low <= id && id <= high;  // same width: text order is number order
}

bool is_range(const std::string& pattern) {
  const auto dash = pattern.find('-');
  if (dash == std::string::npos) return false;
  const std::string low = pattern.substr(0, dash), high = pattern.substr(dash + 1);
  return all_digits(low) && all_digits(high) && low.size() == high.size();
}

bool matches(const std::string& pattern, const std::string& id) {
  if (is_range(pattern)) return in_range(pattern, id);
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

}  // namespace pyproc::cli

#include "normalize.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json_exact.hpp"

namespace pyproc::harness {
namespace {

using nlohmann::json;

// Numbers the distinct values of one kind in order of first appearance.
class Symbols {
 public:
  explicit Symbols(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string operator()(const std::string& key) {
    auto [it, inserted] = numbers_.try_emplace(key, numbers_.size() + 1);
    return prefix_ + "#" + std::to_string(it->second);
  }

 private:
  std::string prefix_;
  std::map<std::string, size_t> numbers_;
};

// Hex digits compare as the bytes they spell: "C0FFEE" is "c0ffee".
std::string lower_hex(std::string hex) {
  std::transform(hex.begin(), hex.end(), hex.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return hex;
}

// Collects every {"bytes": hex} literal a case file writes.
void collect_literal_bytes(const json& node, std::set<std::string>& into) {
  if (node.is_object()) {
    if (node.size() == 1 && node.contains("bytes") && node["bytes"].is_string())
      into.insert(lower_hex(node["bytes"].get<std::string>()));
    for (const auto& item : node.items()) collect_literal_bytes(item.value(), into);
  } else if (node.is_array()) {
    for (const auto& item : node) collect_literal_bytes(item, into);
  }
}

class Normalizer {
 public:
  Normalizer(const json& raw, const json& case_doc, const MachinePaths& paths) {
    for (const auto& [path, symbol] : {std::pair{paths.tmp, "<tmp>"},
                                       {paths.helper, "<helper>"},
                                       {paths.helper_dir, "<helper_dir>"}})
      if (!path.empty()) paths_.emplace_back(path, symbol);
    // The longest first: the helper's path holds its directory's.
    std::stable_sort(paths_.begin(), paths_.end(),
                     [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    if (raw.contains("pids") && raw["pids"].is_array())
      for (const auto& pid : raw["pids"])
        if (is_integer(pid)) known_pids_.insert(integer_text(pid));
    collect_literal_bytes(case_doc, literal_bytes_);
  }

  // Rewrites one observation, or a part of one, where it is.
  void value(json& node) {
    if (node.is_string()) {
      node = strip_pids(strip_paths(node.get<std::string>()));
      return;
    }
    if (node.is_array()) {
      for (auto& item : node) value(item);
      return;
    }
    if (node.is_object() && node.size() == 1) {
      for (const auto& [key, symbols] : {std::pair<const char*, Symbols*>{"pid", &pids_},
                                         {"fd", &fds_},
                                         {"uid", &uids_},
                                         {"gid", &gids_}})
        if (node.contains(key) && is_integer(node[key])) {
          node = (*symbols)(integer_text(node[key]));
          return;
        }
      if (node.contains("authkey") && node["authkey"].is_string()) {
        const auto hex = lower_hex(node["authkey"].get<std::string>());
        node = literal_bytes_.count(hex)
                   ? json{{"bytes", hex}}
                   : json(authkeys_(hex) + "(" + std::to_string(hex.size() / 2) + ")");
        return;
      }
    }
    if (node.is_object())
      for (auto& item : node.items()) value(item.value());
  }

 private:
  std::string strip_paths(std::string text) const {
    for (const auto& [path, symbol] : paths_)
      for (size_t at = 0; (at = text.find(path, at)) != std::string::npos;) {
        text.replace(at, path.size(), symbol);
        at += std::string_view(symbol).size();
      }
    return text;
  }

  // Replaces each maximal run of digits that spells a known pid, and each
  // address of a default repr ("<X object at 0x7f3a...>", §6 step 6) by its
  // tag: one pass from left to right, so an address's digits are never
  // taken for a pid, and a tag once written is not looked at again.
  std::string strip_pids(const std::string& text) {
    static constexpr std::string_view kAt = " object at ";
    std::string out;
    for (size_t i = 0; i < text.size();) {
      if (i >= kAt.size() && std::string_view(text).substr(i - kAt.size(), kAt.size()) == kAt &&
          text.compare(i, 2, "0x") == 0 && i + 2 < text.size() &&
          std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
        size_t end = i + 2;
        while (end < text.size() && std::isxdigit(static_cast<unsigned char>(text[end]))) ++end;
        out += addresses_(lower_hex(text.substr(i, end - i)));
        i = end;
        continue;
      }
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
        out += text[i++];
        continue;
      }
      size_t end = i;
      while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
      std::string run = text.substr(i, end - i);
      out += known_pids_.count(run) ? pids_(run) : run;
      i = end;
    }
    return out;
  }

  std::set<std::string> known_pids_;
  std::set<std::string> literal_bytes_;
  std::vector<std::pair<std::string, const char*>> paths_;
  Symbols pids_{"pid"}, fds_{"fd"}, uids_{"uid"}, gids_{"gid"}, authkeys_{"authkey"},
      addresses_{"addr"};
};

}  // namespace

json normalize(json&& raw, const json& case_doc, const MachinePaths& machine) {
  Normalizer normalizer(raw, case_doc, machine);
  json streams = std::move(raw.at("streams"));
  std::vector<std::string> paths;
  for (const auto& item : streams.items())
    if (item.key() != "main") paths.push_back(item.key());
  std::sort(paths.begin(), paths.end());
  if (streams.contains("main")) paths.insert(paths.begin(), "main");

  // In place: a driver's output may be large, and only one copy of it is kept.
  json out_streams = json::object();
  for (const auto& path : paths) {
    json& observations = streams.at(path);
    for (auto& observation : observations) normalizer.value(observation);  // raised messages too
    out_streams[path] = std::move(observations);
  }
  return json{{"case", raw.value("case", json())}, {"streams", std::move(out_streams)}};
}

json normalize(const json& raw, const json& case_doc, const MachinePaths& machine) {
  return normalize(json(raw), case_doc, machine);
}

}  // namespace pyproc::harness

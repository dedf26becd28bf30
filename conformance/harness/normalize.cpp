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

  json value(const json& node) {
    if (node.is_string()) return strip_pids(strip_paths(node.get<std::string>()));
    if (node.is_array()) {
      json out = json::array();
      for (const auto& item : node) out.push_back(value(item));
      return out;
    }
    if (node.is_object() && node.size() == 1) {
      if (node.contains("pid") && is_integer(node["pid"])) return pids_(integer_text(node["pid"]));
      if (node.contains("fd") && is_integer(node["fd"])) return fds_(integer_text(node["fd"]));
      if (node.contains("uid") && is_integer(node["uid"])) return uids_(integer_text(node["uid"]));
      if (node.contains("gid") && is_integer(node["gid"])) return gids_(integer_text(node["gid"]));
      if (node.contains("authkey") && node["authkey"].is_string()) {
        const auto hex = lower_hex(node["authkey"].get<std::string>());
        if (literal_bytes_.count(hex)) return json{{"bytes", hex}};
        return authkeys_(hex) + "(" + std::to_string(hex.size() / 2) + ")";
      }
    }
    if (node.is_object()) {
      json out = json::object();
      for (const auto& item : node.items()) out[item.key()] = value(item.value());
      return out;
    }
    return node;
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

json normalize(const json& raw, const json& case_doc, const MachinePaths& machine) {
  Normalizer normalizer(raw, case_doc, machine);
  const json& streams = raw.at("streams");
  std::vector<std::string> paths;
  for (const auto& item : streams.items())
    if (item.key() != "main") paths.push_back(item.key());
  std::sort(paths.begin(), paths.end());
  if (streams.contains("main")) paths.insert(paths.begin(), "main");

  json out_streams = json::object();
  for (const auto& path : paths) {
    json observations = json::array();
    for (const auto& observation : streams.at(path))
      observations.push_back(normalizer.value(observation));  // raised messages too
    out_streams[path] = observations;
  }
  return json{{"case", raw.value("case", json())}, {"streams", out_streams}};
}

}  // namespace pyproc::harness

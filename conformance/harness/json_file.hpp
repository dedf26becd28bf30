// JSON from outside the harness — case files, expected files, and above all
// what a driver prints — read as untrusted input: bounded in size and in
// nesting depth, duplicate keys refused, and numbers kept exactly (see
// json_exact.hpp). A failure is a message saying where: "path:line:column: why".
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace pyproc::harness {

// Deeper nesting is refused (spec/protocol.md §5.3): no observation needs
// more, and everything that walks a document may then recurse safely.
inline constexpr std::size_t kMaxJsonDepth = 64;
// The largest case file and expected file the harness reads.
inline constexpr std::size_t kMaxCaseFileBytes = 1u << 20;
inline constexpr std::size_t kMaxExpectedFileBytes = 16u << 20;

struct JsonFile {
  std::optional<nlohmann::json> doc;  // set when the file was read and parsed
  std::string error;                  // otherwise: what went wrong and where
};

JsonFile read_json_file(const std::filesystem::path& path, std::size_t max_bytes);

// Parses text that did not come from a file (a driver's stdout).
JsonFile parse_json_text(std::string_view text, const std::string& origin);

// As far as `text` goes: what was built before the first error (a document
// cut off, the output of a driver that hung), with `error` saying where it
// stopped; `doc` is empty only when not even the first value began.
JsonFile parse_json_prefix(std::string_view text, const std::string& origin);

}  // namespace pyproc::harness

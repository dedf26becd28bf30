// Reads a JSON file and, when it cannot, says where: "path:line:column: why".
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace pyproc::harness {

struct JsonFile {
  std::optional<nlohmann::json> doc;  // set when the file was read and parsed
  std::string error;                  // otherwise: what went wrong and where
};

JsonFile read_json_file(const std::filesystem::path& path);

// Parses text that did not come from a file (a driver's stdout).
JsonFile parse_json_text(const std::string& text, const std::string& origin);

}  // namespace pyproc::harness

#include "programs.hpp"

#include <cstdlib>
#include <filesystem>

namespace pyproc::harness {

std::string find_program(const std::string& name, const char* variable,
                         const std::string& build_path) {
  if (const char* path = std::getenv(variable); path && *path) return path;
  std::error_code error;
  const auto exe_dir = std::filesystem::read_symlink("/proc/self/exe", error).parent_path();
  if (!error)
    for (const auto& candidate : {exe_dir / name, exe_dir / ".." / "libexec" / "pyproc" / name})
      if (std::filesystem::exists(candidate, error))
        return std::filesystem::weakly_canonical(candidate, error).string();
  if (!build_path.empty() && std::filesystem::exists(build_path, error)) return build_path;
  return {};
}

std::string warden_path() {
  const std::string found =
      find_program("pyproc-warden", "PYPROC_WARDEN", PYPROC_WARDEN_BUILD_PATH);
  return found.empty() ? "pyproc-warden" : found;  // then the error names it
}

std::string helper_path() {
  return find_program("pyproc-helper", "PYPROC_HELPER", PYPROC_HELPER_BUILD_PATH);
}

}  // namespace pyproc::harness

#include "roz/core/search_path.hpp"

#include <cstdlib>
#include <string>

namespace roz::core {

std::vector<std::filesystem::path> env_path_list(const char* variable) {
  std::vector<std::filesystem::path> out;
  const char* env = std::getenv(variable);
  if (env == nullptr) return out;
  const std::string value(env);
  for (size_t start = 0; start <= value.size();) {
    const size_t end = std::min(value.find(':', start), value.size());
    if (end > start) out.emplace_back(value.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::filesystem::path executable_dir() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::current_path() : exe.parent_path();
}

std::filesystem::path builtin_plugin_dir() {
  return executable_dir() / ".." / "lib" / "roz" / "plugins";
}

}  // namespace roz::core

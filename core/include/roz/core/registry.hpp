// The plugin registry: discovers libraries, keys them by (kind, name), creates plugin objects
// through validated parameters and guarded calls, and keeps each library loaded while any object
// it created lives.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "roz/descriptor.hpp"
#include "roz/core/plugin_library.hpp"

namespace roz {
class Model;
class Attack;
class Corruption;
class Metric;
struct Spec;
}  // namespace roz

namespace roz::core {

struct LoadFailure {
  std::filesystem::path path;
  std::string message;  // one line, names the file
};

// Discovery order: --plugin-path entries, then ROZ_PLUGIN_PATH (colon-separated), then the
// install's plugin directory (next to the executable: ../lib/roz/plugins).
std::vector<std::filesystem::path> plugin_search_path(const std::vector<std::filesystem::path>& cli_paths);

class Registry {
 public:
  // Loads every *.so in the given directories (or the given files). Failures are collected, not
  // thrown: one bad plugin never hides the good ones.
  static Registry discover(const std::vector<std::filesystem::path>& search_path);

  const std::vector<LoadedPlugin>& plugins() const { return plugins_; }
  const std::vector<LoadFailure>& failures() const { return failures_; }

  // Throws Error("unknown <kind> plugin 'x'", listing the known ones).
  const LoadedPlugin& find(PluginKind kind, const std::string& name) const;
  // All plugins with this name, whatever their kind.
  std::vector<const LoadedPlugin*> find_by_name(const std::string& name) const;

 private:
  // Probes, loads and checks one library (throws when it cannot be used) and adds its plugins; one
  // whose kind and name are already taken is a failure of its own, the library's others still load.
  void add_library(const std::filesystem::path& file);

  std::vector<LoadedPlugin> plugins_;
  std::vector<LoadFailure> failures_;
};

}  // namespace roz::core

#include "roz/core/registry.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "host/plugin_probe.hpp"
#include "roz/core/search_path.hpp"
#include "roz/error.hpp"

namespace roz::core {

namespace fs = std::filesystem;

namespace {

bool is_plugin_file(const fs::path& p) { return p.extension() == ".so"; }

}  // namespace

std::vector<fs::path> plugin_search_path(const std::vector<fs::path>& cli_paths) {
  std::vector<fs::path> out = cli_paths;
  for (fs::path& p : env_path_list("ROZ_PLUGIN_PATH")) out.push_back(std::move(p));
  out.push_back(builtin_plugin_dir());
  return out;
}

Registry Registry::discover(const std::vector<fs::path>& search_path) {
  Registry registry;
  std::set<fs::path> seen_files;
  for (const fs::path& entry : search_path) {
    std::error_code ec;
    std::vector<fs::path> files;
    if (fs::is_directory(entry, ec)) {
      for (const auto& f : fs::directory_iterator(entry, ec))
        if (f.is_regular_file() && is_plugin_file(f.path())) files.push_back(f.path());
      std::sort(files.begin(), files.end());
    } else if (fs::exists(entry, ec)) {
      files.push_back(entry);
    } else {
      spdlog::debug("plugin path '{}' does not exist", entry.string());
      continue;
    }
    for (const fs::path& file : files) {
      fs::path canonical = fs::weakly_canonical(file, ec);
      if (!seen_files.insert(canonical).second) continue;  // same file reached twice
      try {
        registry.add_library(file);
      } catch (const Error& e) {
        registry.failures_.push_back({file, e.what()});
      }
    }
  }
  return registry;
}

void Registry::add_library(const fs::path& file) {
  if (std::optional<std::string> unsafe = probe_plugin_library(file))
    throw PluginLoadError("plugin file '" + file.string() + "': " + *unsafe);
  for (LoadedPlugin& plugin : load_plugin_library(file)) {
    const PluginDescriptor& d = *plugin.descriptor;
    auto clash = std::find_if(plugins_.begin(), plugins_.end(), [&](const LoadedPlugin& p) {
      return p.descriptor->kind == d.kind && p.descriptor->name == d.name;
    });
    if (clash != plugins_.end()) {  // this plugin only: the library's others still load
      failures_.push_back({file, "plugin file '" + file.string() + "': duplicate " + std::string(to_string(d.kind)) +
                                     " plugin name '" + d.name + "', already provided by '" + clash->path.string() +
                                     "' (ignored)"});
      continue;
    }
    spdlog::debug("loaded {} plugin '{}' {} from {}", to_string(d.kind), d.name, d.version, file.string());
    plugins_.push_back(std::move(plugin));
  }
}

const LoadedPlugin& Registry::find(PluginKind kind, const std::string& name) const {
  std::set<std::string> names;  // listed in order, whichever library holds them
  for (const LoadedPlugin& p : plugins_) {
    if (p.descriptor->kind != kind) continue;
    if (p.descriptor->name == name) return p;
    names.insert(p.descriptor->name);
  }
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  std::string msg = "unknown " + std::string(to_string(kind)) + " plugin '" + name + "' (available: " +
                    (known.empty() ? "none" : known) + ")";
  // A library may hold several plugins under other names: every failure may be the one.
  for (const LoadFailure& f : failures_)
    msg += (f.path.stem() == name ? "; a file named like it failed to load: " : "; a plugin file failed to load: ") +
           f.message;
  throw Error(msg);
}

std::vector<const LoadedPlugin*> Registry::find_by_name(const std::string& name) const {
  std::vector<const LoadedPlugin*> out;
  for (const LoadedPlugin& p : plugins_)
    if (p.descriptor->name == name) out.push_back(&p);
  return out;
}

}  // namespace roz::core

#include "roz/core/plugin_library.hpp"

#define BOOST_DLL_USE_STD_FS
#include <torch/version.h>

#include <boost/dll/shared_library.hpp>
#include <regex>

#include "roz/core/param_validation.hpp"
#include "roz/error.hpp"

namespace roz::core {

std::string host_torch_version() {
  return TORCH_VERSION;
}

std::string host_cxx_abi() {
  return ROZ_CXX_ABI;
}

namespace {

std::string first_line(std::string text) {
  auto nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  return text;
}

// The plain-C part of the entry: ABI (major equal, host minor >= plugin minor), LibTorch, compiler ABI.
void check_entry(const PluginEntry& entry, const std::string& where) {
  const std::string plugin_abi = std::to_string(entry.abi_major) + "." + std::to_string(entry.abi_minor);
  const std::string host_abi = std::to_string(kAbiMajor) + "." + std::to_string(kAbiMinor);
  if (entry.abi_major != kAbiMajor)
    throw PluginLoadError(where + "ABI major version mismatch: plugin ABI " + plugin_abi + ", host ABI " + host_abi +
                          " (rebuild the plugin against this roz's SDK)");
  if (entry.abi_minor > kAbiMinor)
    throw PluginLoadError(where + "plugin needs a newer host: plugin ABI " + plugin_abi + ", host ABI " + host_abi +
                          " (upgrade roz)");

  const std::string torch_version = entry.torch_version ? entry.torch_version : "";
  const std::string cxx_abi = entry.cxx_abi ? entry.cxx_abi : "";
  if (torch_version != host_torch_version())
    throw PluginLoadError(where + "built against LibTorch " + torch_version + ", host uses " + host_torch_version() +
                          " (plugins must use the host's LibTorch)");
  if (cxx_abi != host_cxx_abi())
    throw PluginLoadError(where + "built with compiler ABI " + cxx_abi + ", host uses " + host_cxx_abi());
}

void check_descriptor(const PluginDescriptor& d, const std::string& where) {
  static const std::regex kName("[a-z0-9][a-z0-9_\\-.]*");
  if (!std::regex_match(d.name, kName))
    throw PluginLoadError(where + "invalid plugin name '" + d.name + "' (use lower-case letters, digits, _ - .)");
  if (!d.create) throw PluginLoadError(where + "plugin '" + d.name + "' has no factory");
  try {
    check_schema(d);
  } catch (const Error& e) {
    throw PluginLoadError(where + e.what());
  }
}

}  // namespace

std::vector<LoadedPlugin> load_plugin_library(const std::filesystem::path& path) {
  const std::string where = "plugin file '" + path.string() + "': ";
  LoadedPlugin out;
  out.path = path;
  try {
    out.library = std::make_shared<boost::dll::shared_library>(
        path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    throw PluginLoadError(where + "not a loadable shared library (" + first_line(e.what()) + ")");
  }
  if (!out.library->has(ROZ_PLUGIN_ENTRY_SYMBOL))
    throw PluginLoadError(where + "no '" ROZ_PLUGIN_ENTRY_SYMBOL "' entry symbol (not a RoZ plugin?)");

  auto& entry_fn = out.library->get<PluginEntryFn>(ROZ_PLUGIN_ENTRY_SYMBOL);
  try {  // plugin code: anything it throws, standard or not, is this file's failure alone
    out.entry = entry_fn();
  } catch (const std::exception& e) {
    throw PluginLoadError(where + "entry threw: " + first_line(e.what()));
  } catch (...) {
    throw PluginLoadError(where + "entry threw a non-standard exception");
  }
  if (out.entry == nullptr || out.entry->magic != kEntryMagic)
    throw PluginLoadError(where + "entry symbol does not return a RoZ plugin entry (bad magic)");

  check_entry(*out.entry, where);
  out.torch_version = out.entry->torch_version;
  out.cxx_abi = out.entry->cxx_abi;

  const std::vector<PluginDescriptor>* descriptors = nullptr;
  try {
    descriptors = out.entry->descriptors ? out.entry->descriptors() : nullptr;
  } catch (const std::exception& e) {
    throw PluginLoadError(where + "descriptor threw: " + first_line(e.what()));
  } catch (...) {
    throw PluginLoadError(where + "descriptor threw a non-standard exception");
  }
  if (descriptors == nullptr || descriptors->empty()) throw PluginLoadError(where + "entry has no descriptor");

  std::vector<LoadedPlugin> plugins;
  for (const PluginDescriptor& d : *descriptors) {
    check_descriptor(d, where);
    for (const LoadedPlugin& p : plugins)
      if (p.descriptor->kind == d.kind && p.descriptor->name == d.name)
        throw PluginLoadError(where + "two " + std::string(to_string(d.kind)) + " plugins named '" + d.name + "'");
    LoadedPlugin& plugin = plugins.emplace_back(out);
    plugin.descriptor = &d;
  }
  return plugins;
}

}  // namespace roz::core

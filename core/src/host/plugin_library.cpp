#include "roz/core/plugin_library.hpp"

#define BOOST_DLL_USE_STD_FS
#include <torch/version.h>

#include <boost/dll/shared_library.hpp>
#include <regex>

#include "roz/core/param_validation.hpp"
#include "roz/error.hpp"

namespace roz::core {

namespace {

std::string first_line(std::string text) {
  auto nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  return text;
}

}  // namespace

std::string host_torch_version() { return TORCH_VERSION; }

std::string host_cxx_abi() {
  return ROZ_CXX_ABI;
}

PluginLibrary load_plugin_library(const std::filesystem::path& path) {
  const std::string where = "plugin file '" + path.string() + "': ";
  PluginLibrary out;
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

  const std::string plugin_abi = std::to_string(out.entry->abi_major) + "." + std::to_string(out.entry->abi_minor);
  const std::string host_abi = std::to_string(kAbiMajor) + "." + std::to_string(kAbiMinor);
  if (out.entry->abi_major != kAbiMajor)
    throw PluginLoadError(where + "ABI major version mismatch: plugin ABI " + plugin_abi + ", host ABI " +
                          host_abi + " (rebuild the plugin against this roz's SDK)");
  if (out.entry->abi_minor > kAbiMinor)
    throw PluginLoadError(where + "plugin needs a newer host: plugin ABI " + plugin_abi + ", host ABI " +
                          host_abi + " (upgrade roz)");

  out.torch_version = out.entry->torch_version ? out.entry->torch_version : "";
  out.cxx_abi = out.entry->cxx_abi ? out.entry->cxx_abi : "";
  if (out.torch_version != host_torch_version())
    throw PluginLoadError(where + "built against LibTorch " + out.torch_version + ", host uses " +
                          host_torch_version() + " (plugins must use the host's LibTorch)");
  if (out.cxx_abi != host_cxx_abi())
    throw PluginLoadError(where + "built with compiler ABI " + out.cxx_abi + ", host uses " + host_cxx_abi());

  try {
    out.descriptor = out.entry->descriptor ? out.entry->descriptor() : nullptr;
  } catch (const std::exception& e) {
    throw PluginLoadError(where + "descriptor threw: " + first_line(e.what()));
  } catch (...) {
    throw PluginLoadError(where + "descriptor threw a non-standard exception");
  }
  if (out.descriptor == nullptr) throw PluginLoadError(where + "entry has no descriptor");

  const PluginDescriptor& d = *out.descriptor;
  static const std::regex kName("[a-z0-9][a-z0-9_\\-.]*");
  if (!std::regex_match(d.name, kName))
    throw PluginLoadError(where + "invalid plugin name '" + d.name + "' (use lower-case letters, digits, _ - .)");
  if (!d.create) throw PluginLoadError(where + "plugin '" + d.name + "' has no factory");
  try {
    check_schema(d);
  } catch (const Error& e) {
    throw PluginLoadError(where + e.what());
  }
  return out;
}

}  // namespace roz::core

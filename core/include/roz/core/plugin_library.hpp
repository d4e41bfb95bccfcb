// A loaded plugin library and the plugins it provides: Boost.DLL handle, checked entry, descriptors.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "roz/abi.hpp"
#include "roz/descriptor.hpp"

namespace boost::dll {
class shared_library;
}

namespace roz::core {

// One plugin of a library; the plugins of one library share its handle.
struct LoadedPlugin {
  std::filesystem::path path;
  std::shared_ptr<boost::dll::shared_library> library;  // held by every object the plugin creates
  const PluginEntry* entry = nullptr;
  const PluginDescriptor* descriptor = nullptr;  // owned by the library
  std::string torch_version;
  std::string cxx_abi;
};

// Loads the library, checks magic, ABI (major equal, host minor >= plugin minor), LibTorch
// version and compiler ABI, then reads and validates every descriptor (names unique within the
// library). Throws PluginLoadError with a one-line message naming the file (and the plugin): one
// bad descriptor refuses the whole library.
std::vector<LoadedPlugin> load_plugin_library(const std::filesystem::path& path);

std::string host_torch_version();
std::string host_cxx_abi();

}  // namespace roz::core

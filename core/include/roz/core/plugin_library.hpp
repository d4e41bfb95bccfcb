// One loaded plugin library: Boost.DLL handle, checked entry, descriptor.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "roz/abi.hpp"
#include "roz/descriptor.hpp"

namespace boost::dll {
class shared_library;
}

namespace roz::core {

struct PluginLibrary {
  std::filesystem::path path;
  std::shared_ptr<boost::dll::shared_library> library;  // held by every object the plugin creates
  const PluginEntry* entry = nullptr;
  const PluginDescriptor* descriptor = nullptr;  // owned by the library
  std::string torch_version;
  std::string cxx_abi;
};

// Loads the library, checks magic, ABI (major equal, host minor >= plugin minor), LibTorch
// version and compiler ABI, then reads and validates the descriptor. Throws PluginLoadError with
// a one-line message naming the file.
PluginLibrary load_plugin_library(const std::filesystem::path& path);

std::string host_torch_version();
std::string host_cxx_abi();

}  // namespace roz::core

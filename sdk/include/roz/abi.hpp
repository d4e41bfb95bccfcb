// The versioned entry point every RoZ plugin library exports, and the ABI rule the host enforces.
#pragma once

#include <cstdint>
#include <vector>

#define ROZ_ABI_MAJOR 4  // what each major changed: sdk/CHANGELOG.md
#define ROZ_ABI_MINOR 1

#define ROZ_STRINGIFY_(x) #x
#define ROZ_STRINGIFY(x) ROZ_STRINGIFY_(x)
// The compiler family and libstdc++ ABI of this translation unit; plugin and host must agree.
#define ROZ_CXX_ABI "gcc" ROZ_STRINGIFY(__GNUC__) "/cxx11abi" ROZ_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)

// The one symbol a plugin library exports (extern "C", so its name is not mangled).
#define ROZ_PLUGIN_ENTRY_SYMBOL "roz_plugin_entry"

namespace roz {

struct PluginDescriptor;

inline constexpr std::uint32_t kAbiMajor = ROZ_ABI_MAJOR;
inline constexpr std::uint32_t kAbiMinor = ROZ_ABI_MINOR;
inline constexpr std::uint32_t kEntryMagic = 0x315A4F52;  // "ROZ1" little-endian

// Plain C data, stable across every ABI version: the host reads and checks it before it touches
// anything C++-shaped in the library (the descriptor's layout may change between majors).
struct PluginEntry {
  std::uint32_t magic;
  std::uint32_t abi_major;
  std::uint32_t abi_minor;
  const char* torch_version;  // LibTorch the plugin was compiled against; must equal the host's
  const char* cxx_abi;        // ROZ_CXX_ABI, e.g. "gcc12/cxx11abi1"; must equal the host's
  // Every plugin the library provides (LLVM pass-plugin style: one entry registers them all); the
  // list is built on first call and lives as long as the library.
  const std::vector<PluginDescriptor>* (*descriptors)();
};

using PluginEntryFn = const PluginEntry*();

}  // namespace roz

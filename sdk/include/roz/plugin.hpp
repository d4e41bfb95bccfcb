// Everything a plugin author includes, and the macro that exports the one entry point.
#pragma once

#include "roz/abi.hpp"
#include "roz/context.hpp"
#include "roz/descriptor.hpp"
#include "roz/error.hpp"
#include "roz/params.hpp"
#include "roz/seed.hpp"

#include <torch/version.h>  // TORCH_VERSION: the LibTorch this plugin is compiled against

// The entry ROZ_PLUGINS defines in each plugin library; the host finds it by name, never links it.
extern "C" __attribute__((visibility("default"))) const roz::PluginEntry* roz_plugin_entry();

// Usage, once per library:
//   ROZ_PLUGINS(describe_all)  where `std::vector<roz::PluginDescriptor> describe_all()` describes
//                              every plugin of the library, or
//   ROZ_PLUGIN(describe)       for a library of one plugin: `roz::PluginDescriptor describe()`.
// The descriptors are built on first request and live as long as the library.
#define ROZ_PLUGINS(describe_all_fn)                                                                    \
  namespace {                                                                                           \
  const std::vector<::roz::PluginDescriptor>* roz_plugin_descriptors_() {                               \
    static const std::vector<::roz::PluginDescriptor> descriptors = describe_all_fn();                  \
    return &descriptors;                                                                                \
  }                                                                                                     \
  }                                                                                                     \
  extern "C" __attribute__((visibility("default"))) const ::roz::PluginEntry* roz_plugin_entry() {      \
    static const ::roz::PluginEntry entry{::roz::kEntryMagic, ROZ_ABI_MAJOR, ROZ_ABI_MINOR,             \
                                          TORCH_VERSION,      ROZ_CXX_ABI,   &roz_plugin_descriptors_}; \
    return &entry;                                                                                      \
  }

#define ROZ_PLUGIN(describe_fn)                                     \
  namespace {                                                       \
  std::vector<::roz::PluginDescriptor> roz_plugin_describe_one_() { \
    return {describe_fn()};                                         \
  }                                                                 \
  }                                                                 \
  ROZ_PLUGINS(roz_plugin_describe_one_)

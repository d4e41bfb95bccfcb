// Everything a plugin author includes, and the macro that exports the one entry point.
#pragma once

#include "roz/abi.hpp"
#include "roz/context.hpp"
#include "roz/descriptor.hpp"
#include "roz/error.hpp"
#include "roz/params.hpp"
#include "roz/seed.hpp"

#include <torch/version.h>  // TORCH_VERSION: the LibTorch this plugin is compiled against

// The entry ROZ_PLUGIN defines in each plugin library; the host finds it by name, never links it.
extern "C" __attribute__((visibility("default"))) const roz::PluginEntry* roz_plugin_entry();

// Usage, once per library:  ROZ_PLUGIN(make_descriptor)
// where `roz::PluginDescriptor make_descriptor()` describes the plugin. The descriptor is built on
// first request and lives as long as the library.
#define ROZ_PLUGIN(make_descriptor_fn)                                                       \
  namespace {                                                                               \
  const ::roz::PluginDescriptor* roz_plugin_descriptor_() {                                 \
    static const ::roz::PluginDescriptor descriptor = make_descriptor_fn();                 \
    return &descriptor;                                                                     \
  }                                                                                         \
  }                                                                                         \
  extern "C" __attribute__((visibility("default"))) const ::roz::PluginEntry*               \
  roz_plugin_entry() {                                                                      \
    static const ::roz::PluginEntry entry{::roz::kEntryMagic, ROZ_ABI_MAJOR, ROZ_ABI_MINOR, \
                                          TORCH_VERSION, ROZ_CXX_ABI,                   \
                                          &roz_plugin_descriptor_};                         \
    return &entry;                                                                          \
  }

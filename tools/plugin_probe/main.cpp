// roz-plugin-probe LIBRARY: loads a plugin library the way the host does (dlopen, the entry, its
// descriptor) in a process of its own, so a library that crashes or hangs while loading takes only
// this process down. The host (core/src/host/plugin_probe.cpp) runs it on every library outside
// roz's own plugin directory before loading it itself, and caches a clean verdict.
// Exit 0: loaded cleanly; 1: a refusal the host's own load will name; killed by a signal: a crash.
#include <dlfcn.h>

#include <cstdio>

#include "roz/abi.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: roz-plugin-probe LIBRARY\n");
    return 2;
  }
  void* library = ::dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) return 1;
  auto* entry = reinterpret_cast<roz::PluginEntryFn*>(::dlsym(library, ROZ_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) return 1;
  try {
    const roz::PluginEntry* e = entry();
    if (e == nullptr || e->magic != roz::kEntryMagic || e->abi_major != roz::kAbiMajor || e->descriptors == nullptr)
      return 1;  // the host refuses these without calling further
    e->descriptors();
  } catch (...) {
    return 1;  // the host catches it and names it
  }
  return 0;
}

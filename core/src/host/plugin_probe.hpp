// A crash-proof first look at a plugin library: roz-plugin-probe (next to the executable) loads it
// in a child process first, so a library whose static initialisers, entry or descriptor crash or
// hang is one refusal naming the file, not the end of roz. Libraries in roz's own plugin directory
// are not probed (they are built with roz); a clean verdict is cached by path, size and mtime in
// CACHE/plugin-probes, so each third-party library is probed once. Thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace roz::core {

// Why the library must not be loaded into this process ("crashed while loading (signal 11)", "hung
// while loading"), or nothing: it loaded cleanly in the probe, it is one of roz's own, or no probe
// executable is installed beside this one.
std::optional<std::string> probe_plugin_library(const std::filesystem::path& library);

}  // namespace roz::core

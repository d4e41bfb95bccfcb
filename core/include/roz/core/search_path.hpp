// Where roz looks for things: colon-separated environment lists and paths next to the executable.
#pragma once

#include <filesystem>
#include <vector>

namespace roz::core {

// The non-empty entries of a colon-separated environment variable (none when it is unset).
std::vector<std::filesystem::path> env_path_list(const char* variable);

// The directory of the running executable (the install or build tree's bin/).
std::filesystem::path executable_dir();

// roz's own plugin directory, beside the executable: EXE_DIR/../lib/roz/plugins.
std::filesystem::path builtin_plugin_dir();

}  // namespace roz::core

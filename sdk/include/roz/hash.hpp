// Content hashes for provenance (model files) and cache keys.
#pragma once

#include <string>
#include <string_view>

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

std::string sha256_hex(std::string_view data);
// Streams the file; throws DataError naming it when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace roz

#pragma GCC visibility pop

// gunzip for data embedded in, or shipped next to, a library (the CLIP merges, attack lexicons).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

// The decompressed bytes of a gzip stream; a corrupt or truncated stream throws DataError naming `what`.
std::string gunzip(const unsigned char* data, std::size_t size, std::string_view what);

// A whole file, gunzipped when its name ends in ".gz"; a missing or corrupt file throws DataError naming it.
std::string read_maybe_gzipped(const std::filesystem::path& file);

}  // namespace roz

#pragma GCC visibility pop

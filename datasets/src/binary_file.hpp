// Whole-file reads for the binary dataset formats (internal to datasets/).
#pragma once

#include <filesystem>
#include <string>

namespace roz::datasets {

// The file's bytes, gunzipped when it is gzip-compressed (zlib reads raw files unchanged).
// Throws DataError naming the file.
std::string read_maybe_gzip(const std::filesystem::path& path);

}  // namespace roz::datasets

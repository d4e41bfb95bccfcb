// Reading a whole file for a parser (JSON labels, manifests' side files, images, lexicons).
//
//   const std::string text = roz::read_file(path, "labels file");
//
// Why not std::istreambuf_iterator or nlohmann::json::parse(std::ifstream&): both read the stream
// buffer directly, and libstdc++'s filebuf throws std::ios_base::failure when read(2) fails (a
// directory opens, then fails with EISDIR), an exception that is not a roz::Error and that no
// caller expects. Thread-safe: it shares nothing.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

// The file's bytes. A missing file, a directory, a file that cannot be opened or a read error
// throws DataError "WHAT 'PATH': REASON".
std::string read_file(const std::filesystem::path& file, std::string_view what);

}  // namespace roz

#pragma GCC visibility pop

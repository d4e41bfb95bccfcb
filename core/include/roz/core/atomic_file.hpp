// Replacing a file so that no reader, and no crash, ever sees half of it:
//   core::write_text_atomically(dir / "report.json", text);
// The new content goes to a temporary file beside the target (same file system) and is renamed over
// it only once complete: a failure or a kill midway leaves the old file whole. Safe to call from
// several processes on one target (each uses its own temporary); the last rename wins.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace roz::core {

// `write(tmp)` writes the whole new content to `tmp`; throws Error naming `file` when it fails or
// the rename does (the temporary is removed, the old file kept).
void write_atomically(const std::filesystem::path& file, const std::function<void(const std::filesystem::path& tmp)>& write);

// The same for text; a short write (a full disk) is an Error naming the file.
void write_text_atomically(const std::filesystem::path& file, const std::string& text);

}  // namespace roz::core

#include "binary_file.hpp"

#include <zlib.h>

#include "roz/datasets/resource_limits.hpp"
#include "roz/error.hpp"

namespace roz::datasets {

std::string read_maybe_gzip(const std::filesystem::path& path) {
  // Only a regular file is read, and only up to the cap: /dev/zero, or a small gzip file that
  // inflates to terabytes, would otherwise be read until memory runs out.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw DataError("dataset file '" + path.string() + "': " +
                    (std::filesystem::exists(path, ec) ? "not a regular file" : "cannot open"));
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw DataError("dataset file '" + path.string() + "': cannot open");
  const std::uint64_t cap = resource_limits().data_file_bytes;
  std::string out;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0) {
    if (out.size() + static_cast<std::uint64_t>(n) > cap) {
      gzclose(file);
      throw DataError("dataset file '" + path.string() + "': more than the " + std::to_string(cap) +
                      " bytes a dataset file may have once decompressed (ROZ_MAX_DATA_FILE_MIB)");
    }
    out.append(buffer, static_cast<size_t>(n));
  }
  int error = 0;
  const char* message = gzerror(file, &error);
  bool failed = n < 0 || (error != Z_OK && error != Z_BUF_ERROR);
  std::string what = failed ? message : "";
  gzclose(file);
  if (failed) throw DataError("dataset file '" + path.string() + "': read error (" + what + ")");
  return out;
}

}  // namespace roz::datasets

#include "binary_file.hpp"

#include <zlib.h>

#include "roz/error.hpp"

namespace roz::datasets {

std::string read_maybe_gzip(const std::filesystem::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) throw DataError("dataset file '" + path.string() + "': cannot open");
  std::string out;
  char buffer[1 << 16];
  int n = 0;
  while ((n = gzread(file, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<size_t>(n));
  int error = 0;
  const char* message = gzerror(file, &error);
  bool failed = n < 0 || (error != Z_OK && error != Z_BUF_ERROR);
  std::string what = failed ? message : "";
  gzclose(file);
  if (failed) throw DataError("dataset file '" + path.string() + "': read error (" + what + ")");
  return out;
}

}  // namespace roz::datasets

#include "roz/gzip.hpp"

#include <zlib.h>

#include "roz/error.hpp"
#include "roz/read_file.hpp"

namespace roz {

std::string gunzip(const unsigned char* data, std::size_t size, std::string_view what) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw Error(std::string(what) + ": zlib init failed");
  zs.next_in = const_cast<unsigned char*>(data);
  zs.avail_in = static_cast<uInt>(size);
  std::string out;
  char buffer[1 << 16];
  int status = Z_OK;
  while (status == Z_OK) {
    zs.next_out = reinterpret_cast<unsigned char*>(buffer);
    zs.avail_out = sizeof buffer;
    status = inflate(&zs, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - zs.avail_out);
  }
  inflateEnd(&zs);
  if (status != Z_STREAM_END) throw DataError(std::string(what) + ": corrupt or truncated gzip data");
  return out;
}

std::string read_maybe_gzipped(const std::filesystem::path& file) {
  std::string bytes = read_file(file, "file");
  if (file.extension() != ".gz") return bytes;
  return gunzip(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), file.string());
}

}  // namespace roz

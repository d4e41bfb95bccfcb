#include "roz/read_file.hpp"

#include <fstream>

#include "roz/error.hpp"

namespace roz {

std::string read_file(const std::filesystem::path& file, std::string_view what) {
  const auto fail = [&](std::string_view reason) {
    throw DataError(std::string(what) + " '" + file.string() + "': " + std::string(reason));
  };
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(file, ec);
  if (status.type() == std::filesystem::file_type::not_found) fail("no such file");  // not EACCES: that cannot open
  if (std::filesystem::is_directory(status)) fail("is a directory, not a file");
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("cannot open");
  // istream::read turns the stream buffer's exceptions into badbit (the streams' default mask
  // rethrows nothing), so a read error is reported here and not as std::ios_base::failure.
  std::string bytes;
  char chunk[1 << 16];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) bytes.append(chunk, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) fail("read error");
  return bytes;
}

}  // namespace roz

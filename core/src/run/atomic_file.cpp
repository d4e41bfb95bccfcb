#include "roz/core/atomic_file.hpp"

#include <unistd.h>

#include <fstream>

#include "roz/error.hpp"

namespace roz::core {

namespace fs = std::filesystem;

void write_atomically(const fs::path& file, const std::function<void(const fs::path& tmp)>& write) {
  fs::path tmp = file;
  tmp += ".tmp" + std::to_string(::getpid());
  std::error_code ec;
  try {
    write(tmp);
    fs::rename(tmp, file);
  } catch (const Error&) {
    fs::remove(tmp, ec);
    throw;
  } catch (const std::exception& e) {
    fs::remove(tmp, ec);
    throw Error("cannot write '" + file.string() + "': " + e.what());
  }
}

void write_text_atomically(const fs::path& file, const std::string& text) {
  write_atomically(file, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw Error("cannot write '" + file.string() + "' (through '" + tmp.string() + "')");
  });
}

}  // namespace roz::core

// What the fuzz harnesses share. Each harness is one libFuzzer entry point,
// LLVMFuzzerTestOneInput, built two ways: with clang's -fsanitize=fuzzer,address,undefined by
// tools/fuzz.sh (it explores), and with the project's compiler as `roz_fuzz_replay_NAME`, a ctest
// that runs the committed corpus and every past finding once (they stay fixed).
//
// The rule every harness checks: bad input is refused with a roz::Error (it names the file, key or
// field); anything else that escapes (std::bad_alloc, a YAML, OpenCV or filesystem exception, a
// crash, a sanitizer report) is a finding. Not thread-safe: libFuzzer runs one input at a time.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

// The entry point each harness defines (libFuzzer's name; replay_main.cpp calls it).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace roz::fuzz {

// An empty directory of this process's own (the readers take paths, not bytes), removed at exit.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    const std::filesystem::path d = std::filesystem::temp_directory_path() / ("roz-fuzz." + std::to_string(::getpid()));
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
  }();
  // Registered once `dir` is constructed, so it runs before `dir` is destroyed.
  static const int removed_at_exit = std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  });
  (void)removed_at_exit;
  return dir;
}

// Writes bytes to scratch_dir()/name and returns the path.
inline std::filesystem::path write_input(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path path = scratch_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace roz::fuzz

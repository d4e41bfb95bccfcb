// Replacing a file atomically: a write that fails midway leaves the old file whole and no temporary
// behind (roz report, roz train and the head cache rely on it).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "roz/core/atomic_file.hpp"
#include "roz/error.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;

using test::fresh_dir;

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t files_in(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(AtomicFile, AWriteThatFailsMidwayKeepsTheOldFileWhole) {
  const fs::path dir = fresh_dir("roz_atomic_file_test");
  const fs::path file = dir / "report.json";
  core::write_text_atomically(file, "the old report\n");
  try {
    core::write_atomically(file, [](const fs::path& tmp) {
      std::ofstream(tmp) << "half of a new";
      throw std::runtime_error("No space left on device");
    });
    FAIL() << "the failure was swallowed";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot write '" + file.string() + "': No space left on device");
  }
  EXPECT_EQ(read(file), "the old report\n");
  EXPECT_EQ(files_in(dir), 1u) << "the temporary was left behind";

  core::write_text_atomically(file, "the new report\n");
  EXPECT_EQ(read(file), "the new report\n");
  EXPECT_EQ(files_in(dir), 1u);
  fs::remove_all(dir);
}

TEST(AtomicFile, AnUnwritablePlaceIsAnErrorNamingTheFile) {
  const fs::path file = fresh_dir("roz_atomic_file_missing") / "no" / "such" / "dir" / "summary.csv";
  try {
    core::write_text_atomically(file, "x");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
  fs::remove_all(file.parent_path().parent_path().parent_path().parent_path());
}

}  // namespace
}  // namespace roz

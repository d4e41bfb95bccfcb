#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "roz/error.hpp"
#include "roz/hash.hpp"

namespace roz {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, FileMatchesStringAndMissingFileIsNamed) {
  auto path = std::filesystem::temp_directory_path() / "roz_hash_test.bin";
  std::string data(200000, 'x');
  data[12345] = 'y';
  std::ofstream(path, std::ios::binary) << data;
  EXPECT_EQ(sha256_file(path.string()), sha256_hex(data));
  std::filesystem::remove(path);
  try {
    sha256_file("/nonexistent/model.pt");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.pt"), std::string::npos);
  }
}

}  // namespace
}  // namespace roz

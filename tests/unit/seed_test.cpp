#include <gtest/gtest.h>

#include <set>
#include <string>

#include "roz/seed.hpp"

namespace roz {
namespace {

TEST(Seed, HashIsFnv1a) {
  // Published FNV-1a 64 test vectors.
  EXPECT_EQ(hash64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(hash64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(hash64("foobar"), 0x85944171f73967e8ull);
}

TEST(Seed, DependsOnRunSeedConditionAndSampleOnly) {
  EXPECT_EQ(derive_seed(7, "gaussian_noise:severity=3", "cat/0001.jpg"),
            derive_seed(7, "gaussian_noise:severity=3", "cat/0001.jpg"));
  EXPECT_NE(derive_seed(7, "c", "cat/0001.jpg"), derive_seed(8, "c", "cat/0001.jpg"));
  EXPECT_NE(derive_seed(7, "c1", "cat/0001.jpg"), derive_seed(7, "c2", "cat/0001.jpg"));
  EXPECT_NE(derive_seed(7, "c", "cat/0001.jpg"), derive_seed(7, "c", "cat/0002.jpg"));
}

TEST(Seed, NoCollisionsOverManySamples) {
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 20000; ++i) seen.insert(derive_seed(0, "clean", "img" + std::to_string(i)));
  EXPECT_EQ(seen.size(), 20000u);
}

}  // namespace
}  // namespace roz

// SSCD's score normalisation: each row's offset is beta times its cosine with its n-th nearest other
// row, its own row left out, by brute force here.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "roz/core/score_normalisation.hpp"
#include "roz/error.hpp"

namespace roz {
namespace {

TEST(ScoreNormalisation, OffsetIsBetaTimesTheNthNearestOtherRowsCosine) {
  const std::int64_t n = 1500, dim = 16;  // more rows than one block of the product
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  std::vector<float> rows(static_cast<std::size_t>(n * dim));
  for (std::int64_t i = 0; i < n; ++i) {
    float norm = 0;
    for (std::int64_t d = 0; d < dim; ++d)
      norm += std::pow(rows[static_cast<std::size_t>(i * dim + d)] = normal(rng), 2.0f);
    for (std::int64_t d = 0; d < dim; ++d) rows[static_cast<std::size_t>(i * dim + d)] /= std::sqrt(norm);
  }
  for (std::int64_t neighbour : {1, 3}) {
    const std::vector<double> offsets = core::background_offsets(rows.data(), n, dim, {neighbour, 0.5});
    for (std::int64_t i : {0l, 777l, n - 1}) {
      std::vector<double> cosines;
      for (std::int64_t j = 0; j < n; ++j) {
        if (j == i) continue;
        double c = 0;
        for (std::int64_t d = 0; d < dim; ++d)
          c += rows[static_cast<std::size_t>(i * dim + d)] * rows[static_cast<std::size_t>(j * dim + d)];
        cosines.push_back(c);
      }
      std::sort(cosines.rbegin(), cosines.rend());
      EXPECT_NEAR(offsets[static_cast<std::size_t>(i)], 0.5 * cosines[static_cast<std::size_t>(neighbour - 1)], 1e-5)
          << "row " << i << ", neighbour " << neighbour;
    }
  }
  // An exact duplicate of a row is its nearest other row (only the row itself is left out).
  std::copy(rows.begin(), rows.begin() + dim, rows.begin() + dim);
  EXPECT_NEAR(core::background_offsets(rows.data(), n, dim, {1, 1.0})[0], 1.0, 1e-5);
  // Off: zeros; too few rows: a named error.
  for (double o : core::background_offsets(rows.data(), 4, dim, {})) EXPECT_EQ(o, 0.0);
  EXPECT_THROW(core::background_offsets(rows.data(), 3, dim, {3, 1.0}), Error);
  EXPECT_EQ(core::ScoreNormalisation{}.score_name(), "cosine");
  EXPECT_EQ((core::ScoreNormalisation{2, 1.0}.score_name()),
            "cosine - 1 x the 2nd nearest other evaluation image's cosine");
}

}  // namespace
}  // namespace roz

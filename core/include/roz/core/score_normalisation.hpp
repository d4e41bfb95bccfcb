// SSCD's score normalisation (Pizzi et al., "A Self-Supervised Descriptor for Image Copy Detection",
// CVPR 2022): a candidate pair's cosine minus beta times the cosine between the query and its n-th
// nearest neighbour in a background set. A query in a crowded region (a plain shirt among thousands
// of plain shirts) has close look-alikes everywhere, and the subtraction takes that out, so that one
// threshold separates copies from look-alikes on datasets of different density. RoZ's background is
// the evaluation set itself, each query's own row left out: it has the queries' distribution and is
// apart from the pre-training side, and the audit and the calibration see the same one.
//
//   const ScoreNormalisation norm{1, 1.0};
//   std::vector<double> offsets = background_offsets(rows, n, dim, norm);  // subtract offsets[q] from q's cosines
//
// Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace roz::core {

struct ScoreNormalisation {
  std::int64_t neighbour = 0;  // n: the background neighbour whose cosine is subtracted; 0: none (raw cosine)
  double beta = 1.0;

  bool enabled() const { return neighbour > 0; }
  // "cosine" or "cosine - 1 x the 1st nearest other evaluation image's cosine": how scores read in reports.
  std::string score_name() const;
};

// For each of the n rows (L2-normalised, row-major n x dim) beta times its cosine with its n-th
// nearest other row (exact, in blocks); all zeros when normalisation is off. Throws Error when the
// set has no n-th other row.
std::vector<double> background_offsets(const float* rows, std::int64_t n, std::int64_t dim,
                                       const ScoreNormalisation& normalisation);

}  // namespace roz::core

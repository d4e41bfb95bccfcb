// Clustered synthetic embeddings for the overlap benchmark (no real 1M-image set exists here):
// unit cluster centres plus Gaussian spread, normalised. Their queries mix noisy copies of database
// rows (the duplicates an audit looks for) with fresh points of the same clusters.
#pragma once

#include <cstdint>
#include <filesystem>

namespace roz::overlap {

struct SyntheticSpec {
  std::int64_t vectors = 1000000;
  std::int64_t dim = 512;
  std::int64_t clusters = 1000;
  double spread = 0.5;  // noise norm relative to the centre: same-cluster cosine about 1 / (1 + spread^2)
  std::int64_t queries = 10000;
  double duplicate_fraction = 0.1;  // queries that are a database row plus 5% noise
  std::int64_t shard_rows = 250000;
  std::uint64_t seed = 0;
};

// DIR/emb/emb_NNNN.npy (float16, the LAION layout) and DIR/queries.npy (float32). Deterministic in
// the spec.
void write_synthetic(const SyntheticSpec& spec, const std::filesystem::path& dir);

}  // namespace roz::overlap

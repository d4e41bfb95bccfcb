#include "roz/overlap/synthetic.hpp"

#include <cmath>
#include <random>
#include <vector>

#include "roz/overlap/npy.hpp"
#include "roz/seed.hpp"

namespace roz::overlap {

namespace fs = std::filesystem;

namespace {

void normalise(float* v, std::int64_t dim) {
  double norm = 0;
  for (std::int64_t j = 0; j < dim; ++j) norm += static_cast<double>(v[j]) * v[j];
  const float inv = static_cast<float>(1.0 / std::sqrt(std::max(norm, 1e-30)));
  for (std::int64_t j = 0; j < dim; ++j) v[j] *= inv;
}

// Row `i` of the database, from its own seed, so any row can be regenerated for a duplicate query.
void database_row(const SyntheticSpec& s, const std::vector<float>& centres, std::int64_t i, float* out) {
  std::mt19937_64 rng(derive_seed(s.seed, "synthetic row", std::to_string(i)));
  std::normal_distribution<float> normal(0.0f, static_cast<float>(s.spread / std::sqrt(static_cast<double>(s.dim))));
  const std::int64_t c = std::uniform_int_distribution<std::int64_t>(0, s.clusters - 1)(rng);
  for (std::int64_t j = 0; j < s.dim; ++j) out[j] = centres[static_cast<std::size_t>(c * s.dim + j)] + normal(rng);
  normalise(out, s.dim);
}

}  // namespace

void write_synthetic(const SyntheticSpec& s, const fs::path& dir) {
  std::vector<float> centres(static_cast<std::size_t>(s.clusters * s.dim));
  {
    std::mt19937_64 rng(derive_seed(s.seed, "synthetic centres", ""));
    std::normal_distribution<float> normal;
    for (float& v : centres) v = normal(rng);
    for (std::int64_t c = 0; c < s.clusters; ++c) normalise(centres.data() + c * s.dim, s.dim);
  }
  fs::create_directories(dir / "emb");
  std::vector<float> rows;
  for (std::int64_t first = 0, shard = 0; first < s.vectors; first += s.shard_rows, ++shard) {
    const std::int64_t n = std::min(s.shard_rows, s.vectors - first);
    rows.resize(static_cast<std::size_t>(n * s.dim));
    for (std::int64_t i = 0; i < n; ++i) database_row(s, centres, first + i, rows.data() + i * s.dim);
    char name[32];
    std::snprintf(name, sizeof name, "emb_%04lld.npy", static_cast<long long>(shard));
    NpyWriter writer(dir / "emb" / name, s.dim, true);
    writer.append(rows.data(), n);
    writer.finish();
  }
  std::mt19937_64 rng(derive_seed(s.seed, "synthetic queries", ""));
  std::normal_distribution<float> noise(0.0f, static_cast<float>(0.05 / std::sqrt(static_cast<double>(s.dim))));
  std::bernoulli_distribution duplicate(s.duplicate_fraction);
  std::uniform_int_distribution<std::int64_t> row(0, s.vectors - 1);
  rows.resize(static_cast<std::size_t>(s.queries * s.dim));
  for (std::int64_t q = 0; q < s.queries; ++q) {
    float* out = rows.data() + q * s.dim;
    // A fresh point: a row index past the database, so it is drawn like one but is not in it.
    database_row(s, centres, duplicate(rng) ? row(rng) : s.vectors + q, out);
    for (std::int64_t j = 0; j < s.dim; ++j) out[j] += noise(rng);
    normalise(out, s.dim);
  }
  NpyWriter writer(dir / "queries.npy", s.dim);
  writer.append(rows.data(), s.queries);
  writer.finish();
}

}  // namespace roz::overlap

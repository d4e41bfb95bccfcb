// `roz overlap build`: a FAISS index over embedding shards, chosen by factory string, with inner
// product on L2-normalised vectors. Trainable indexes (IVF, PQ, OPQ) are trained on a seeded
// uniform sample, then filled shard by shard in fixed-size batches: only the training sample, one
// batch and the index shard being filled are ever in memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "roz/overlap/index_manifest.hpp"

namespace roz::overlap {

struct BuildOptions {
  std::vector<std::filesystem::path> embeddings;  // .npy shards, in id order
  std::string factory = "Flat";
  std::filesystem::path out;        // a new directory (an existing index is never overwritten)
  std::int64_t train_vectors = 0;   // 0: automatic (64 per IVF list, at least 10,000; 65,536 otherwise)
  std::int64_t shard_vectors = 0;   // at most this many vectors per index shard; 0: one per embeddings file
  std::int64_t batch_rows = 65536;  // rows read and added at a time
  std::uint64_t seed = 0;
  std::string model, model_hash;  // recorded in the manifest
  std::string created_by;
  std::function<void(std::int64_t done, std::int64_t total)> progress;  // vectors added so far
};

IndexManifest build_index(const BuildOptions& options);

// Expands a glob pattern (or a single path) into sorted .npy files; throws DataError when nothing matches.
std::vector<std::filesystem::path> glob_embeddings(const std::string& pattern);

}  // namespace roz::overlap

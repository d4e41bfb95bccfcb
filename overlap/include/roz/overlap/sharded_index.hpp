// A built overlap index opened for search: all its shards, or the share one MPI rank takes. IVF
// shards are memory-mapped (FAISS 1.7.3 maps inverted lists only), so many ranks on one node share
// the page cache; the others are read into memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "roz/overlap/ids.hpp"
#include "roz/overlap/index_manifest.hpp"
#include "roz/overlap/neighbours.hpp"

namespace roz::overlap {

// Search-time knobs; 0 keeps RoZ's default (kDefault*), which docs/overlap.md justifies.
inline constexpr int kDefaultNprobe = 64;
inline constexpr int kDefaultEfSearch = 128;
inline constexpr int kDefaultKFactor = 16;
struct SearchParams {
  int nprobe = 0;     // IVF lists visited
  int ef_search = 0;  // HNSW candidate list
  int k_factor = 0;   // re-ranking (RFlat): k x this candidates are re-scored exactly
  // The defaults filled in.
  SearchParams resolved() const {
    return {nprobe > 0 ? nprobe : kDefaultNprobe, ef_search > 0 ? ef_search : kDefaultEfSearch,
            k_factor > 0 ? k_factor : kDefaultKFactor};
  }
};

// Where a global vector id comes from.
struct VectorOrigin {
  std::filesystem::path embeddings;
  std::int64_t row = 0;
  RowInfo info;  // from the shard's ids file; id "FILE.npy#ROW" when it has none
};

class ShardedIndex {
 public:
  // Opens the shards that `take(shard index)` selects (all when empty). Throws naming the file.
  explicit ShardedIndex(const std::filesystem::path& index, const std::function<bool(std::size_t)>& take = {});
  ~ShardedIndex();
  ShardedIndex(const ShardedIndex&) = delete;
  ShardedIndex& operator=(const ShardedIndex&) = delete;

  const IndexManifest& manifest() const { return manifest_; }

  // The k nearest loaded vectors of each L2-normalised query (n x dim), merged over the shards. With
  // `faiss_seconds`, adds the seconds its FAISS calls took (the rest is the merge and the id mapping).
  Neighbours search(const float* queries, std::int64_t n, std::int64_t k, const SearchParams& params,
                    double* faiss_seconds = nullptr) const;

  // Seconds the FAISS searches alone take on the loaded shards (same parameters, no merge, no id
  // mapping): `roz bench overlap` compares search() with it.
  double native_search_seconds(const float* queries, std::int64_t n, std::int64_t k, const SearchParams& params) const;

  // Any id of the manifest (loaded or not); reads the shard's ids file on first use.
  VectorOrigin origin(std::int64_t id) const;

 private:
  struct Loaded;
  IndexManifest manifest_;
  std::filesystem::path dir_;
  std::vector<std::unique_ptr<Loaded>> loaded_;
  mutable std::vector<std::vector<RowInfo>> ids_;  // per manifest shard, read lazily
  mutable std::vector<bool> ids_read_;
};

}  // namespace roz::overlap

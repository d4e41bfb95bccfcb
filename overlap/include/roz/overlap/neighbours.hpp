// The k nearest neighbours of a batch of queries, and the top-k merge that joins the answers of
// several index shards (in one process, or gathered from MPI ranks on rank 0).
#pragma once

#include <cstdint>
#include <vector>

namespace roz::overlap {

struct Neighbours {
  std::int64_t queries = 0;
  std::int64_t k = 0;
  // queries x k, best first; id -1 (similarity -inf) where fewer than k vectors were searched.
  std::vector<float> similarity;
  std::vector<std::int64_t> ids;  // global vector ids (IndexManifest)

  Neighbours() = default;
  Neighbours(std::int64_t queries, std::int64_t k);
  float similarity_at(std::int64_t q, std::int64_t rank) const {
    return similarity[static_cast<std::size_t>(q * k + rank)];
  }
  std::int64_t id_at(std::int64_t q, std::int64_t rank) const { return ids[static_cast<std::size_t>(q * k + rank)]; }
};

// The best k of both, per query, ordered by similarity and then by id, so that merging shard
// answers in any grouping (one process, or any number of ranks) gives the same result.
Neighbours merge_neighbours(const Neighbours& a, const Neighbours& b);

}  // namespace roz::overlap

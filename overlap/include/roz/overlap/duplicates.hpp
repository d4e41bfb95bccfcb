// Duplicate classes by cosine similarity, and `roz overlap dedup`: the duplicates inside one
// embedding set (grouped), or those of a query set in another set's index (train vs test).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "roz/overlap/ids.hpp"
#include "roz/overlap/sharded_index.hpp"

namespace roz::overlap {

// Cosine thresholds on the nearest neighbour: at least `exact` is an exact duplicate (the same
// image up to re-encoding), at least `near` a near duplicate (an edited copy). docs/overlap.md
// derives the defaults from planted duplicates.
struct DuplicateThresholds {
  double exact = 0.99;
  double near = 0.95;
  // -1 < near <= exact <= 1
  bool valid() const { return near > -1 && near <= exact && exact <= 1; }
};

// "exact", "near" or "none".
std::string overlap_class(double similarity, const DuplicateThresholds& thresholds);

struct DedupOptions {
  std::vector<std::filesystem::path> queries;  // .npy files, in row order
  std::filesystem::path index;                 // searched; for a within-set run, the index of `queries` itself
  bool within = false;                         // queries and index are the same set: skip self matches
  std::int64_t k = 10;
  DuplicateThresholds thresholds;
  SearchParams search;
  std::int64_t batch_rows = 4096;
};

struct DuplicatePair {
  std::int64_t query = 0;   // row over the query files
  std::int64_t vector = 0;  // global id in the index
  float similarity = 0;
  RowInfo query_info, match_info;
};

struct DedupResult {
  std::int64_t queries = 0;
  std::vector<DuplicatePair> pairs;  // similarity >= near; within a set, each pair once (query < vector)
  // Within a set: the connected groups of duplicates (rows), largest first; keep one of each.
  std::vector<std::vector<std::int64_t>> groups;
  std::int64_t queries_with_duplicate = 0;
};

DedupResult find_duplicates(const DedupOptions& options);

}  // namespace roz::overlap

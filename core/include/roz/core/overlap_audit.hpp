// `roz overlap audit` (and the overlap step of `roz run`): the evaluation set embedded with the
// model the index was built from, its k nearest pre-training neighbours found over the index
// shards (split over MPI ranks when there are several), and every sample's neighbours, its
// duplicate class and the closest pairs as thumbnails stored in the results store, where the report
// splits every metric into overlapping and clean subsets.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "roz/core/overlap_records.hpp"
#include "roz/datasets/dataset.hpp"
#include "roz/overlap/neighbours.hpp"
#include "roz/overlap/sharded_index.hpp"

namespace roz {
class Model;
}
namespace roz::overlap {
class World;
}

namespace roz::core {

class PluginHost;
class ResultsStore;

struct AuditSettings {
  std::filesystem::path index;
  std::int64_t k = 5;
  DuplicateThresholds thresholds;
  overlap::SearchParams search;
  std::int64_t batch_size = 256;
  std::size_t pairs = 16;  // closest pairs kept as thumbnails for the report
};

// The evaluation side of an audit, on rank 0 only.
struct AuditQueries {
  const datasets::Dataset* dataset = nullptr;
  std::vector<datasets::SampleInfo> samples;  // the evaluated ones (per_class / limit applied)
  std::shared_ptr<Model> model;
  std::string model_spec;
};

struct AuditResult {
  OverlapAudit audit;
  std::int64_t exact = 0, near = 0;
};

// Collective over `world` (nullptr: this process alone). Rank 0 passes `queries` and `store`, the
// other ranks nullptr; every rank searches its share of the shards. Throws on every rank when any
// rank fails (a missing shard file, a model whose embeddings do not match the index).
AuditResult audit_overlap(PluginHost& host, const AuditSettings& settings, const AuditQueries* queries,
                          ResultsStore* store, const overlap::World* world);

}  // namespace roz::core

// What an overlap audit stores (results_store.hpp): per dataset, how it was audited; per evaluated
// sample, its k nearest pre-training neighbours; and the closest pairs as thumbnails for the report.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "roz/overlap/duplicates.hpp"

namespace roz::core {

using overlap::DuplicateThresholds;
using overlap::overlap_class;

struct OverlapAudit {
  std::string dataset;
  std::string index;  // the index directory
  std::string factory;
  std::int64_t index_vectors = 0;
  std::string model, model_hash;
  std::int64_t k = 0;
  DuplicateThresholds thresholds;
  std::string search;  // the search parameters, as nprobe=..,efSearch=..,k_factor=..
  std::int64_t samples = 0;
  std::vector<std::string> class_names;  // the dataset's, for per-class overlap rates
  int ranks = 1;
  double seconds = 0;
};

struct OverlapNeighbour {
  double similarity = 0;
  std::int64_t vector = -1;  // global id in the index
  std::string id, source, caption;
  std::optional<std::int64_t> label;
};

struct OverlapSample {
  std::string sample_id;
  std::int64_t label = -1;
  std::string source;
  std::vector<OverlapNeighbour> neighbours;  // best first
};

// The audited dataset's name of a label (the number when it has none).
std::string class_name(const OverlapAudit& audit, std::int64_t label);

// The sample's class by its nearest neighbour: "exact", "near" or "none" (also without neighbours).
std::string overlap_class(const OverlapSample& sample, const DuplicateThresholds& thresholds);

// An audit's counts: exact and near duplicates, and per label (overlapping, audited).
struct OverlapCounts {
  std::int64_t exact = 0, near = 0;
  std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> per_class;
};
OverlapCounts count_overlap(const std::vector<OverlapSample>& samples, const DuplicateThresholds& thresholds);

// One nearest-neighbour pair shown in the report; PNG bytes, empty when the image is not available.
struct OverlapPair {
  std::string sample_id, neighbour_id, neighbour_caption;
  double similarity = 0;
  std::vector<unsigned char> query_png, neighbour_png;
};

}  // namespace roz::core

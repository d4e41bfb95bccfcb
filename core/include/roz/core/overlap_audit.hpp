// `roz overlap audit` (and the overlap step of `roz run`), in two stages: the evaluation set embedded
// with the model the index was built from and its k nearest pre-training neighbours found over the
// index shards (split over MPI ranks when there are several); then each neighbour whose image can be
// read verified on the pixels (copy_verification.hpp). The thresholds come from the index's
// calibration (overlap_calibration.hpp) unless given. Every sample's neighbours, its copy status and
// the flagged pairs as thumbnails go to the results store, where the report splits every metric into
// the copied and the clean subsets.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
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
  // Override the calibration's thresholds; without a calibration `threshold` is required.
  std::optional<double> threshold, verify_threshold;
  // The embedding stage's score without a calibration (with one, the calibration's; a different one
  // given here is an error: its thresholds were measured on its scores).
  std::optional<ScoreNormalisation> normalisation;
  overlap::SearchParams search;
  std::int64_t batch_size = 256;
  std::size_t pairs = 16;  // closest unflagged pairs shown beside the flagged ones (all of those, up to 500)
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
  OverlapCounts counts;
};

// The decision an audit of `index` makes with embeddings of model `model_hash`: the index's
// calibration, each threshold replaced by the settings' when given. Throws Error for an index without
// a calibration when no threshold is given, a calibration made with another model, or a score
// normalisation other than the calibration's.
CopyDecision copy_decision(const AuditSettings& settings, const std::string& model_hash,
                           std::optional<OverlapCalibration>* calibration = nullptr);

// DataError unless `model` made the index's embeddings (same hash, same dimension).
void check_index_model(const overlap::IndexManifest& manifest, const std::filesystem::path& index, Model& model,
                       const std::string& model_spec);

// nprobe=..,efSearch=..,k_factor=.. with the defaults filled in.
std::string search_text(const overlap::SearchParams& params);

// Collective over `world` (nullptr: this process alone). Rank 0 passes `queries` and `store`, the
// other ranks nullptr; every rank searches its share of the shards. Throws on every rank when any
// rank fails (a missing shard file, a model whose embeddings do not match the index).
AuditResult audit_overlap(PluginHost& host, const AuditSettings& settings, const AuditQueries* queries,
                          ResultsStore* store, const overlap::World* world);

}  // namespace roz::core

// What an overlap audit stores (results_store.hpp): per dataset, how it was audited and how it decided
// copies; per evaluated sample, its k nearest pre-training neighbours with their verification; and
// the flagged (else the closest) pairs as thumbnails for the report.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "roz/core/overlap_calibration.hpp"
#include "roz/core/score_normalisation.hpp"

namespace roz::core {

// How an audit decides that a pre-training neighbour is a copy of an evaluation sample.
struct CopyDecision {
  // copy_similarity at or above which a pair whose two images were read is a copy; none: the
  // embedding stage decides every pair (no verification, or the calibration found the descriptor
  // separates copies better than the pixels do).
  std::optional<double> verification;
  // Score at or above which a pair verification does not decide is a copy; none: such a pair is
  // never one (the embedding stage alone did not reach the calibration's target precision).
  std::optional<double> embedding;
  ScoreNormalisation normalisation;  // what the embedding stage's scores are (OverlapNeighbour::similarity)
  std::string basis;                 // where the thresholds come from, for the report
};

struct OverlapAudit {
  std::string dataset;
  std::string index;  // the index directory
  std::string factory;
  std::int64_t index_vectors = 0;
  std::string model, model_hash;
  std::int64_t k = 0;
  CopyDecision decision;
  std::optional<OverlapCalibration> calibration;  // the one the decision came from
  std::string search;                             // the search parameters, as nprobe=..,efSearch=..,k_factor=..
  std::int64_t samples = 0;
  std::vector<std::string> class_names;  // the dataset's, for per-class overlap rates
  int ranks = 1;
  double seconds = 0;
  // Neighbours whose image was named but could not be read (skipped by verification), and the first few.
  std::int64_t unreadable_neighbours = 0;
  std::vector<std::string> unreadable_examples;
};

struct OverlapNeighbour {
  double similarity = 0;     // the embedding stage's score: the cosine, normalised when the decision says so
  std::int64_t vector = -1;  // global id in the index
  std::string id, source, caption;
  std::optional<std::int64_t> label;
  std::optional<double> verification;  // copy_similarity, when both images were read
};

struct OverlapSample {
  std::string sample_id;
  std::int64_t label = -1;
  std::string source;
  std::vector<OverlapNeighbour> neighbours;  // best first
};

// The audited dataset's name of a label (the number when it has none).
std::string class_name(const OverlapAudit& audit, std::int64_t label);

// Whether a neighbour is a copy: by its verification when it has one and the decision verifies, else
// by its embedding score.
bool is_copy(const OverlapNeighbour& neighbour, const CopyDecision& decision);
// The sample's status: "verified" (a neighbour verified as a copy), "embedding" (a copy by the
// embedding stage: its image could not be read, or the decision does not verify), or "none".
std::string copy_status(const OverlapSample& sample, const CopyDecision& decision);

// An audit's counts, and per label (copies, audited).
struct OverlapCounts {
  std::int64_t verified = 0, embedding = 0;
  // Samples whose nearest cosine reaches the embedding threshold (what the embedding stage alone
  // would flag), and of those how many verification rejected; 0 without an embedding threshold.
  std::int64_t candidates = 0, rejected = 0;
  std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> per_class;
};
OverlapCounts count_overlap(const std::vector<OverlapSample>& samples, const CopyDecision& decision);

// One pair shown in the report; PNG bytes, empty when the image is not available.
struct OverlapPair {
  std::string sample_id, neighbour_id, neighbour_caption;
  double similarity = 0;
  std::optional<double> verification;
  std::string status;  // copy_status of the sample
  std::vector<unsigned char> query_png, neighbour_png;
};

}  // namespace roz::core

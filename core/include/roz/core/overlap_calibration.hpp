// `roz overlap calibrate`: the thresholds an audit decides copies with, measured on the user's own
// data. Copies of a seeded sample of the evaluation images, made by the copy edits (copy_edits.hpp),
// are planted among the pre-training set's vectors; as many other evaluation images are queried
// without a copy. Both stages run as in the audit: k nearest neighbours by the index's embedding,
// then copy_similarity on the pixels. Every (query, neighbour) pair is a positive when the neighbour
// is the query's planted copy, a negative otherwise, so a real copy of an evaluation image already in
// the pre-training set counts against precision (the measured precision is a lower bound).
// Per stage: precision and recall at every threshold, and the lowest threshold whose precision
// reaches the target; the stage with more recall there decides readable pairs. Written to
// INDEX/calibration.json; the audit reads it.
//
//   OverlapCalibration c = calibrate_overlap(host, settings, queries);  // then write_calibration
//
// Not thread-safe (one calibration at a time per host).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "roz/core/score_normalisation.hpp"
#include "roz/overlap/sharded_index.hpp"

namespace roz::core {

class PluginHost;
struct AuditQueries;
struct CopyDecision;

struct CalibrationSettings {
  std::filesystem::path index;
  std::int64_t copies = 200;  // evaluation images given a planted copy; as many are queried without one
  std::uint64_t seed = 0;     // which images, which edits
  double target_precision = 0.99;
  std::int64_t k = 5;
  overlap::SearchParams search;
  std::int64_t batch_size = 256;
  // The embedding stage's scores (score_normalisation.hpp); the background is every evaluation image.
  ScoreNormalisation normalisation;
  // Also measure these thresholds (an earlier calibration's, on another seed): OverlapCalibration::checked.
  const CopyDecision* check = nullptr;
};

struct CurvePoint {
  double threshold = 0, precision = 0, recall = 0;
};

// One stage's sweep: the pairs flagged at or above each threshold.
struct StageCalibration {
  std::optional<double> threshold;  // below the lowest score reaching the target precision (sweep); none when none does
  double precision = 0, recall = 0;  // at that threshold
  std::vector<CurvePoint> curve;     // highest threshold first, thinned evenly to about 200 points
  std::int64_t positives = 0, negatives = 0;
};

struct OverlapCalibration {
  std::string model, model_hash, factory, dataset, search, created_by;
  std::int64_t index_vectors = 0, copies = 0, queries = 0, k = 0;
  std::uint64_t seed = 0;
  double target_precision = 0;
  // embedding: cosine of the nearest-neighbour pairs; verification: copy_similarity of the pairs
  // whose pre-training image could be read (none when too few could: embeddings without images).
  StageCalibration embedding, verification;
  ScoreNormalisation normalisation;  // what the embedding stage's scores were
  // Which stage decides the pairs whose two images can be read: "verification" when it is calibrated
  // and finds at least the embedding stage's recall at the target precision, else "embedding" (a
  // descriptor trained for copy detection can beat the pixels on small, look-alike images).
  std::string decided_by;
  std::int64_t unverifiable_pairs = 0;
  std::string verification_note;                 // why verification is not calibrated, when it is not
  std::map<std::string, double> recall_by_edit;  // copies found by the audit's decision, per edit kind
  std::int64_t copies_outside_top_k = 0;         // planted copies the embedding stage ranked below k
  // With CalibrationSettings::check: that decision's precision and recall here, as the audit decides
  // (pixels where readable, else the embedding).
  std::optional<CurvePoint> checked;
};

// INDEX/calibration.json
std::filesystem::path calibration_path(const std::filesystem::path& index);
void write_calibration(const std::filesystem::path& file, const OverlapCalibration& calibration);
// DataError naming the file and field for a malformed file.
OverlapCalibration read_calibration(const std::filesystem::path& file);
// The same as JSON text (the results store keeps an audit's calibration with it); `what` names the
// text's origin in errors.
std::string calibration_text(const OverlapCalibration& calibration);
OverlapCalibration parse_calibration(const std::string& text, const std::string& what);

// Throws DataError for an empty index (no background), a model whose embeddings do not match the
// index, or fewer than two readable evaluation images.
OverlapCalibration calibrate_overlap(PluginHost& host, const CalibrationSettings& settings,
                                     const AuditQueries& queries);

}  // namespace roz::core

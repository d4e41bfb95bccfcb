// When a record counts as correct: the one rule every accuracy-like number follows (accuracy's
// top-k, calibration's bins, anchor_accuracy's pm-k; the host checks the labels with it as records
// are made).
//   correct at k  <=>  fewer than k classes score strictly higher than the best accepted label,
// the accepted labels being accepted_labels (ObjectNet's several) or {label}. A tie with the truth
// counts as correct. A label outside the classes is a DataError naming the sample. A record without a
// label (unlabelled: an OOD image scored in another dataset's label space) counts for none of them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "roz/error.hpp"
#include "roz/metric.hpp"

namespace roz::metrics {

// No class of the logits is this image's: label -1 and no accepted labels. The host makes such records
// for the conditions with a protocol::attribute::label_space (OOD sets) and only for those.
inline bool unlabelled(const SampleRecord& r) {
  return r.label == -1 && r.accepted_labels.empty();
}

// accepted_labels, or {label}; `who` names the caller in the error.
inline std::vector<std::int64_t> accepted_labels(const SampleRecord& r, const std::string& who) {
  std::vector<std::int64_t> labels = r.accepted_labels.empty() ? std::vector<std::int64_t>{r.label} : r.accepted_labels;
  for (std::int64_t label : labels)
    if (label < 0 || label >= static_cast<std::int64_t>(r.logits.size()))
      throw DataError(who + ": sample '" + r.sample_id + "': label " + std::to_string(label) + " outside the " +
                      std::to_string(r.logits.size()) + " classes");
  return labels;
}

// How many classes score strictly higher than the best of `labels` (checked by accepted_labels):
// 0 is top-1 correct, below k is top-k correct.
inline std::int64_t classes_above_truth(const std::vector<float>& logits, const std::vector<std::int64_t>& labels) {
  float best = logits[static_cast<std::size_t>(labels.front())];
  for (std::int64_t l : labels) best = std::max(best, logits[static_cast<std::size_t>(l)]);
  return std::count_if(logits.begin(), logits.end(), [&](float z) { return z > best; });
}

inline bool top1_correct(const std::vector<float>& logits, const std::vector<std::int64_t>& labels) {
  return classes_above_truth(logits, labels) == 0;
}

}  // namespace roz::metrics

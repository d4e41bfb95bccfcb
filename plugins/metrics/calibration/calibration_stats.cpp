// ECE and NLL accumulation (see calibration_stats.hpp).
#include "calibration_stats.hpp"

#include <algorithm>
#include <cmath>

#include "roz/support/metrics/accepted_labels.hpp"
#include "softmax.hpp"

namespace calibration {

CalibrationStats::CalibrationStats(std::int64_t bins, double temperature)
    : beta_(1 / temperature),
      bin_count_(static_cast<size_t>(bins), 0),
      bin_correct_(static_cast<size_t>(bins), 0),
      bin_confidence_(static_cast<size_t>(bins), 0.0) {}

void CalibrationStats::add(const roz::SampleRecord& r) {
  if (roz::metrics::unlabelled(r)) return;  // an OOD image: no label to be calibrated against
  const std::vector<std::int64_t> labels = roz::metrics::accepted_labels(r, "calibration");
  const double confidence = max_probability(r.logits, beta_);
  // Right-closed bins, as Guo et al.: confidence c lands in bin ceil(c * M) - 1.
  const auto bins = static_cast<std::int64_t>(bin_count_.size());
  const auto bin = static_cast<size_t>(std::clamp<std::int64_t>(
      static_cast<std::int64_t>(std::ceil(confidence * static_cast<double>(bins))) - 1, 0, bins - 1));
  ++bin_count_[bin];
  bin_correct_[bin] += roz::metrics::top1_correct(r.logits, labels);  // as accuracy counts top1
  bin_confidence_[bin] += confidence;
  nll_sum_ += label_nll(r.logits, labels, beta_);
  ++n_;
}

double CalibrationStats::ece() const {
  double ece = 0;
  // (n_k / n) |accuracy_k - confidence_k| = |correct_k - sum of confidences_k| / n; empty bins add 0.
  for (size_t k = 0; k < bin_count_.size(); ++k)
    ece += std::abs(static_cast<double>(bin_correct_[k]) - bin_confidence_[k]);
  return ece / static_cast<double>(n_);
}

}  // namespace calibration

namespace calibration {

std::vector<CalibrationStats::Bin> CalibrationStats::bins() const {
  std::vector<Bin> out;
  for (size_t k = 0; k < bin_count_.size(); ++k) {
    const auto n = static_cast<double>(std::max<std::int64_t>(bin_count_[k], 1));
    out.push_back({bin_count_[k], bin_confidence_[k] / n, static_cast<double>(bin_correct_[k]) / n});
  }
  return out;
}

}  // namespace calibration

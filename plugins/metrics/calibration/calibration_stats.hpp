// Expected calibration error and mean negative log-likelihood of softmax(logits / T) over a set of
// records. ECE: equal-width bins over the confidence (max softmax probability), bin k holding
// (k/M, (k+1)/M]; ECE = sum_k (n_k / n) |accuracy_k - confidence_k| (Guo et al. 2017, "On
// Calibration of Modern Neural Networks", eq. 3).
#pragma once

#include <cstdint>
#include <vector>

#include "roz/metric.hpp"

namespace calibration {

class CalibrationStats {
 public:
  CalibrationStats(std::int64_t bins, double temperature);

  void add(const roz::SampleRecord& record);
  std::int64_t count() const { return n_; }
  double ece() const;
  double nll() const { return nll_sum_ / static_cast<double>(n_); }

  // One bin of the reliability diagram.
  struct Bin {
    std::int64_t count;
    double confidence;  // mean confidence of its records
    double accuracy;
  };
  std::vector<Bin> bins() const;

 private:
  double beta_;  // 1 / T
  std::vector<std::int64_t> bin_count_, bin_correct_;
  std::vector<double> bin_confidence_;
  double nll_sum_ = 0;
  std::int64_t n_ = 0;
};

}  // namespace calibration

// The linear trend of Taori et al. 2020 ("Measuring Robustness to Natural Distribution Shifts in Image
// Classification"): across models, logit(shift accuracy) ~ slope * logit(in-distribution accuracy) +
// intercept. Accuracies are clamped to [1e-6, 1 - 1e-6] so a perfect or null accuracy stays finite.
#pragma once

#include <optional>
#include <utility>
#include <vector>

namespace effective_robustness {

double logit(double accuracy);

struct LogitFit {
  double slope = 0, intercept = 0;
  // The shift accuracy the trend predicts: sigmoid(slope * logit(id) + intercept).
  double predict(double id_accuracy) const;
};

// Ordinary least squares of logit(shift) on logit(id) over (id, shift) accuracy pairs; none with
// fewer than two distinct in-distribution accuracies (the slope is then undetermined).
std::optional<LogitFit> fit_logit_line(const std::vector<std::pair<double, double>>& accuracies);

}  // namespace effective_robustness

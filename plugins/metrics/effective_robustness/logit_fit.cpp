// Logit-space linear fit (see logit_fit.hpp).
#include "logit_fit.hpp"

#include <algorithm>
#include <cmath>

namespace effective_robustness {

double logit(double accuracy) {
  const double p = std::clamp(accuracy, 1e-6, 1 - 1e-6);
  return std::log(p / (1 - p));
}

double LogitFit::predict(double id_accuracy) const {
  return 1 / (1 + std::exp(-(slope * logit(id_accuracy) + intercept)));
}

std::optional<LogitFit> fit_logit_line(const std::vector<std::pair<double, double>>& accuracies) {
  if (accuracies.empty()) return std::nullopt;
  const double first = logit(accuracies.front().first);
  // Compared exactly: equal accuracies must not pass as a rounding-sized spread of the mean.
  if (std::none_of(accuracies.begin(), accuracies.end(), [&](const auto& a) { return logit(a.first) != first; }))
    return std::nullopt;
  const auto n = static_cast<double>(accuracies.size());
  double mean_x = 0, mean_y = 0;
  for (const auto& [id, shift] : accuracies) {
    mean_x += logit(id) / n;
    mean_y += logit(shift) / n;
  }
  double sxx = 0, sxy = 0;  // centred sums: better conditioned than sum x^2 - n mean^2
  for (const auto& [id, shift] : accuracies) {
    sxx += (logit(id) - mean_x) * (logit(id) - mean_x);
    sxy += (logit(id) - mean_x) * (logit(shift) - mean_y);
  }
  const double slope = sxy / sxx;
  return LogitFit{slope, mean_y - slope * mean_x};
}

}  // namespace effective_robustness

// AUROC and FPR at 95% TPR (see detection_metrics.hpp).
#include "detection_metrics.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <utility>

namespace ood_detection {

double auroc(const std::vector<double>& id, std::vector<double> ood) {
  std::sort(ood.begin(), ood.end());
  double wins = 0;
  for (double s : id) {
    const auto below = std::lower_bound(ood.begin(), ood.end(), s);
    const auto not_above = std::upper_bound(below, ood.end(), s);
    wins += static_cast<double>(below - ood.begin()) + 0.5 * static_cast<double>(not_above - below);
  }
  return wins / (static_cast<double>(id.size()) * static_cast<double>(ood.size()));
}

double fpr_at_95_tpr(std::vector<double> id, const std::vector<double>& ood) {
  const auto n = static_cast<std::int64_t>(id.size());
  const std::int64_t k = (95 * n + 99) / 100;  // ceil(0.95 n) in integers, free of rounding
  std::nth_element(id.begin(), id.begin() + (k - 1), id.end(), std::greater<>());
  const double threshold = id[static_cast<size_t>(k - 1)];
  const auto accepted = std::count_if(ood.begin(), ood.end(), [&](double s) { return s >= threshold; });
  return static_cast<double>(accepted) / static_cast<double>(ood.size());
}

double aupr(const std::vector<double>& positives, const std::vector<double>& negatives) {
  std::vector<std::pair<double, bool>> scored;  // (score, positive)
  for (double s : positives) scored.emplace_back(s, true);
  for (double s : negatives) scored.emplace_back(s, false);
  std::sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  const auto n_positive = static_cast<double>(positives.size());
  double true_positives = 0, accepted = 0, recall = 0, area = 0;
  for (std::size_t i = 0; i < scored.size();) {
    // One threshold per distinct score: tied samples are accepted together.
    for (const double t = scored[i].first; i < scored.size() && scored[i].first == t; ++i) {
      true_positives += scored[i].second;
      ++accepted;
    }
    const double r = true_positives / n_positive;
    area += (r - recall) * (true_positives / accepted);
    recall = r;
  }
  return area;
}

}  // namespace ood_detection

// OOD scores (see ood_scores.hpp).
#include "ood_scores.hpp"

#include <algorithm>
#include <cmath>

namespace ood_detection {

double max_softmax(const std::vector<float>& logits, double beta) {
  const double top = max_logit(logits);
  double sum = 0;
  for (float z : logits) sum += std::exp(beta * (z - top));
  return 1 / sum;  // the top class's term is exp(0)
}

double energy(const std::vector<float>& logits, double temperature) {
  const double top = max_logit(logits);
  double sum = 0;
  for (float z : logits) sum += std::exp((z - top) / temperature);
  return top + temperature * std::log(sum);
}

double max_logit(const std::vector<float>& logits) {
  return *std::max_element(logits.begin(), logits.end());
}

}  // namespace ood_detection

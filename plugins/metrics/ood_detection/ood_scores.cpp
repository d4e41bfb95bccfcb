// OOD scores (see ood_scores.hpp).
#include "ood_scores.hpp"

#include <algorithm>
#include <cmath>

namespace ood_detection {

namespace {

// sum_k exp(beta * (logits_k - top)), top = the max logit: the log-sum-exp shift, so no term
// overflows and the top class's term is exp(0) = 1.
double shifted_exp_sum(const std::vector<float>& logits, double top, double beta) {
  double sum = 0;
  for (float z : logits) sum += std::exp(beta * (z - top));
  return sum;
}

}  // namespace

double max_softmax(const std::vector<float>& logits, double beta) {
  return 1 / shifted_exp_sum(logits, max_logit(logits), beta);
}

double energy(const std::vector<float>& logits, double temperature) {
  const double top = max_logit(logits);
  return top + temperature * std::log(shifted_exp_sum(logits, top, 1 / temperature));
}

double max_logit(const std::vector<float>& logits) {
  return *std::max_element(logits.begin(), logits.end());
}

}  // namespace ood_detection

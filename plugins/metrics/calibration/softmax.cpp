// Softmax quantities of one record's logits (see softmax.hpp).
#include "softmax.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "roz/error.hpp"

namespace calibration {

namespace {

double max_logit(const std::vector<float>& logits) {
  return *std::max_element(logits.begin(), logits.end());
}

// log sum_k exp(beta * (z_k - max z)): shifted so no term overflows.
double log_partition(const std::vector<float>& logits, double beta, double shift) {
  double sum = 0;
  for (float z : logits) sum += std::exp(beta * (z - shift));
  return std::log(sum);
}

}  // namespace

double max_probability(const std::vector<float>& logits, double beta) {
  const double shift = max_logit(logits);
  return std::exp(-log_partition(logits, beta, shift));  // the top term is exp(0)
}

double label_nll(const std::vector<float>& logits, const std::vector<std::int64_t>& labels, double beta) {
  // log sum_k exp(beta z_k) - log sum_l exp(beta z_l), each log-sum shifted by its own largest term, so
  // a confident mistake gives a large finite loss rather than -log 0.
  std::vector<float> correct;
  for (std::int64_t l : labels) correct.push_back(logits[static_cast<size_t>(l)]);
  const double top = max_logit(logits), best = max_logit(correct);
  return beta * (top - best) + log_partition(logits, beta, top) - log_partition(correct, beta, best);
}

}  // namespace calibration

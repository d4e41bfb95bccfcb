// Post-hoc OOD scores of one record, higher = more in-distribution.
//   MSP: max_k softmax(logits)_k (Hendrycks & Gimpel 2017, "A Baseline for Detecting Misclassified and
//        Out-of-Distribution Examples in Neural Networks").
//   MCM: max_k softmax(cosine / tau)_k with cosine = logits / logit_scale (Ming et al. 2022, "Delving
//        into Out-of-Distribution Detection with Vision-Language Representations"), i.e. MSP at
//        inverse temperature 1 / (logit_scale * tau).
//   max logit: max_k logits_k (Hendrycks et al. 2022, "Scaling Out-of-Distribution Detection for
//        Real-World Settings").
//   energy: T log sum_k exp(logits_k / T), the negative free energy (Liu et al. 2020, "Energy-based
//        Out-of-distribution Detection").
#pragma once

#include <vector>

namespace ood_detection {

// max_k softmax(beta * logits)_k, in double with the log-sum-exp shift.
double max_softmax(const std::vector<float>& logits, double beta);

inline double msp(const std::vector<float>& logits) {
  return max_softmax(logits, 1.0);
}

// T log sum_k exp(logits_k / T), in double with the log-sum-exp shift.
double energy(const std::vector<float>& logits, double temperature);

double max_logit(const std::vector<float>& logits);

inline double mcm(const std::vector<float>& logits, double logit_scale, double tau) {
  return max_softmax(logits, 1 / (logit_scale * tau));
}

}  // namespace ood_detection

// Softmax quantities of one record's logits at inverse temperature beta (softmax(beta * logits)),
// computed in double with the log-sum-exp shift.
#pragma once

#include <cstdint>
#include <vector>

#include "roz/metric.hpp"

namespace calibration {

// max_k softmax(beta * logits)_k: the confidence.
double max_probability(const std::vector<float>& logits, double beta);

// -log sum_{l in labels} softmax(beta * logits)_l: with several accepted labels the probability of
// the correct set.
double label_nll(const std::vector<float>& logits, const std::vector<std::int64_t>& labels, double beta);

}  // namespace calibration

// Softmax quantities of one record's logits at inverse temperature beta (softmax(beta * logits)),
// computed in double with the log-sum-exp shift.
#pragma once

#include <cstdint>
#include <vector>

#include "roz/metric.hpp"

namespace calibration {

// The labels that count as correct (accepted_labels, or {label}); DataError when one is outside the classes.
std::vector<std::int64_t> correct_labels(const roz::SampleRecord& record);

// Top-1 correct as the accuracy plugin counts it: no class scores strictly higher than the best
// correct label (a tie with the truth counts as correct), so ECE agrees with the reported top1.
bool top1_correct(const std::vector<float>& logits, const std::vector<std::int64_t>& labels);

// max_k softmax(beta * logits)_k: the confidence.
double max_probability(const std::vector<float>& logits, double beta);

// -log sum_{l in labels} softmax(beta * logits)_l: with several accepted labels the probability of
// the correct set.
double label_nll(const std::vector<float>& logits, const std::vector<std::int64_t>& labels, double beta);

}  // namespace calibration

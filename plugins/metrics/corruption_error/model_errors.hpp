// One model's top-1 errors (1 - the accuracy plugin's top1) on a dataset's clean condition and on
// every corruption condition of that dataset, read from its condition summaries.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "roz/metric.hpp"

namespace corruption_error {

struct ModelErrors {
  std::string model, dataset;
  std::optional<double> clean_error;                                  // none without a clean condition of the dataset
  std::map<std::string, std::map<std::int64_t, double>> corruptions;  // name -> severity -> error
  std::int64_t num_classes = 0;                                       // of its corruption conditions
  bool imagenet_c_input = true;  // every corruption applied to ImageNet-C's input (attribute corruption_input)
};

// One entry per dataset with corruption conditions (kind corruption, attributes corruption and
// severity, an integer), in order of appearance; the clean reference is the dataset's kind clean
// condition. DataError when a used condition has no top1, lacks an attribute, or repeats a
// (corruption, severity) pair of its dataset.
std::vector<ModelErrors> collect_errors(const std::vector<roz::ConditionSummary>& conditions);

}  // namespace corruption_error

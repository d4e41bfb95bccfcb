// Temperature scaling (Guo et al. 2017): the one T > 0 minimising the mean NLL of softmax(logits / T)
// on held-out labelled data.
#pragma once

#include <cstdint>
#include <vector>

namespace calibration {

struct LabelledLogits {
  std::vector<float> logits;
  std::vector<std::int64_t> labels;  // the correct labels
};

// Golden-section search over log T in [-5, 5], to 1e-6 in log T. The NLL is convex in 1/T, hence
// unimodal in log T, so the search needs no gradient and cannot diverge; a minimum beyond the
// interval (separable data, or no signal at all) ends at its edge, T = e^-5 or e^5.
double fit_temperature(const std::vector<LabelledLogits>& data);

}  // namespace calibration

// One training batch as every objective sees it.
#pragma once

#include <ATen/core/Tensor.h>
#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace roz::core {

struct TrainBatch {
  int epoch = 0;
  std::vector<std::string> ids;
  std::vector<cv::Mat> images;   // uint8 RGB at the model's resolution (what corruptions take)
  std::vector<cv::Mat> decoded;  // the same as decoded, before the resize (copy edits work at full size)
  at::Tensor pixels;             // the same as [N,3,R,R] floats in [0,1]
  std::vector<std::int64_t> labels;
  std::vector<std::int64_t> templates;  // each image's caption template
  std::vector<std::uint64_t> seeds;     // each image's own, from (seed, epoch, sample id)
};

}  // namespace roz::core

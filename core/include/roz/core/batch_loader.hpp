// Batches of decoded, resized and center-cropped images, decoded on worker threads while the caller
// works on the previous batch (a bounded prefetch queue of one batch).
#pragma once

#include <cstddef>
#include <functional>
#include <future>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "roz/datasets/dataset.hpp"

namespace roz::core {

struct LoadedBatch {
  std::vector<datasets::SampleInfo> samples;
  std::vector<cv::Mat> images;  // CV_8UC3 RGB, resolution x resolution
};

class BatchLoader {
 public:
  // Samples that cannot be decoded are left out of their batch and reported once to
  // `on_unreadable` (called from a worker thread) with a message naming the file.
  BatchLoader(const datasets::Dataset& dataset, std::vector<datasets::SampleInfo> samples, int resolution,
              std::size_t batch_size, int threads, std::function<void(const std::string&)> on_unreadable);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // The next batch (possibly with fewer images than asked, even none); false once all are given.
  bool next(LoadedBatch& batch);

 private:
  LoadedBatch load(std::size_t first) const;

  const datasets::Dataset& dataset_;
  std::vector<datasets::SampleInfo> samples_;
  int resolution_;
  std::size_t batch_size_;
  int threads_;
  std::function<void(const std::string&)> on_unreadable_;
  std::size_t next_first_ = 0;
  std::future<LoadedBatch> pending_;
};

}  // namespace roz::core

// Batches of decoded, resized and center-cropped images, prepared on worker threads while the caller
// works on the previous batch (a bounded prefetch queue of one batch): decoding, then optionally a
// transformation (a condition's corruption) and staging on the model's device.
#pragma once

#include <cstddef>
#include <functional>
#include <future>
#include <map>
#include <opencv2/core/mat.hpp>
#include <optional>
#include <string>
#include <vector>

#include "roz/core/staged_images.hpp"
#include "roz/datasets/dataset.hpp"
#include "roz/preprocessing.hpp"

namespace roz::core {

struct LoadedBatch {
  std::vector<datasets::SampleInfo> samples;
  std::vector<cv::Mat> images;                               // CV_8UC3 RGB, the preprocessing's resolution square
  std::vector<std::map<std::string, std::string>> metadata;  // per image, when the transform gives any
  std::vector<std::string> skipped;                          // sample ids the transform dropped
  StagedImages tensor;                                       // the images on the device, when staged
};

// What the worker does after decoding a batch.
struct BatchStages {
  // Runs on the worker; may drop samples, keeping samples, images and metadata aligned.
  std::function<void(LoadedBatch&)> transform;
  // When set, LoadedBatch::tensor holds the (transformed) images as float [N,3,R,R] there.
  std::optional<c10::Device> device;
};

class BatchLoader {
 public:
  // An exception of the transform or the staging is rethrown by next(). Samples that cannot be
  // decoded are left out of their batch and reported once to `on_unreadable` (called from a worker
  // thread) with a message naming the file.
  BatchLoader(const datasets::Dataset& dataset, std::vector<datasets::SampleInfo> samples, Preprocessing preprocessing,
              std::size_t batch_size, int threads, std::function<void(const std::string&)> on_unreadable,
              BatchStages stages = {});
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // The next batch (possibly with fewer images than asked, even none); false once all are given.
  bool next(LoadedBatch& batch);

 private:
  LoadedBatch load(std::size_t first) const;

  const datasets::Dataset& dataset_;
  std::vector<datasets::SampleInfo> samples_;
  Preprocessing preprocessing_;
  std::size_t batch_size_;
  int threads_;
  std::function<void(const std::string&)> on_unreadable_;
  BatchStages stages_;
  std::size_t next_first_ = 0;
  std::future<LoadedBatch> pending_;
};

}  // namespace roz::core

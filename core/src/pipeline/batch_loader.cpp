#include "roz/core/batch_loader.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "roz/core/image_pipeline.hpp"
#include "roz/error.hpp"

namespace roz::core {

BatchLoader::BatchLoader(const datasets::Dataset& dataset, std::vector<datasets::SampleInfo> samples,
                         Preprocessing preprocessing, std::size_t batch_size, int threads,
                         std::function<void(const std::string&)> on_unreadable, BatchStages stages)
    : dataset_(dataset),
      samples_(std::move(samples)),
      preprocessing_(preprocessing),
      batch_size_(std::max<std::size_t>(1, batch_size)),
      threads_(threads),
      on_unreadable_(std::move(on_unreadable)),
      stages_(std::move(stages)) {
  if (!samples_.empty()) pending_ = std::async(std::launch::async, [this] { return load(0); });
}

BatchLoader::~BatchLoader() {
  if (pending_.valid()) pending_.wait();
}

bool BatchLoader::next(LoadedBatch& batch) {
  if (!pending_.valid()) return false;
  batch = pending_.get();
  next_first_ += batch_size_;
  if (next_first_ < samples_.size())
    pending_ = std::async(std::launch::async, [this, first = next_first_] { return load(first); });
  return true;
}

LoadedBatch BatchLoader::load(std::size_t first) const {
  // Decoding runs beside the model's OpenMP threads; at the lowest priority it fills their idle
  // time instead of stalling their barriers (Linux sets nice values per thread).
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
  const std::size_t n = std::min(batch_size_, samples_.size() - first);
  std::vector<cv::Mat> images(n);
  std::vector<char> ok(n, 0);
  parallel_for(n, threads_, [&](std::size_t i) {
    const datasets::SampleInfo& sample = samples_[first + i];
    try {
      images[i] = resize_center_crop(dataset_.load(sample), preprocessing_);
      ok[i] = 1;
    } catch (const DataError& e) {
      // Decode errors name the file; one the image itself causes later (its shape) gets the sample.
      const std::string what = e.what();
      on_unreadable_(what.find(sample.id) == std::string::npos ? "sample '" + sample.id + "': " + what : what);
    }
  });
  LoadedBatch out;
  for (std::size_t i = 0; i < n; ++i) {
    if (!ok[i]) continue;
    out.samples.push_back(samples_[first + i]);
    out.images.push_back(std::move(images[i]));
  }
  if (stages_.transform && !out.images.empty()) stages_.transform(out);
  if (stages_.device && !out.images.empty()) out.tensor = StagedImages::stage(out.images, *stages_.device);
  return out;
}

}  // namespace roz::core

// What the roz bench commands share: medians, and one decoded batch of a dataset as a tensor.
#pragma once

#include <ATen/core/Tensor.h>

#include <algorithm>
#include <vector>

#include "roz/core/batch_loader.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/datasets/dataset.hpp"
#include "roz/error.hpp"

namespace roz::cli {

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The first `size` readable images of a dataset at `resolution`, with their labels.
inline core::LoadedBatch first_batch(const datasets::Dataset& dataset, int resolution, std::size_t size, int threads) {
  std::vector<datasets::SampleInfo> samples = dataset.samples();
  samples.resize(std::min(samples.size(), size));
  core::BatchLoader loader(dataset, samples, resolution, samples.size(), threads, [](const std::string&) {});
  core::LoadedBatch batch;
  if (!loader.next(batch) || batch.images.empty()) throw DataError("bench: no readable image in the first batch");
  return batch;
}

}  // namespace roz::cli

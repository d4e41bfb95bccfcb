// What the roz bench commands share: elapsed seconds, medians, one decoded batch of a dataset as a tensor, and a
// device barrier so GPU timings measure finished work.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "roz/core/batch_loader.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/datasets/dataset.hpp"
#include "roz/error.hpp"

namespace roz::cli {

// Seconds from `start` until now.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Waits until `device` has finished everything queued on it (nothing on the CPU).
inline void synchronize(c10::Device device) {
  if (device.is_cuda()) c10::impl::VirtualGuardImpl(device.type()).synchronizeDevice(device.index() < 0 ? 0 : device.index());
}

// The first `size` readable images of a dataset, preprocessed for a model, with their labels.
inline core::LoadedBatch first_batch(const datasets::Dataset& dataset, const Preprocessing& preprocessing,
                                     std::size_t size, int threads) {
  std::vector<datasets::SampleInfo> samples = dataset.samples();
  samples.resize(std::min(samples.size(), size));
  core::BatchLoader loader(dataset, samples, preprocessing, samples.size(), threads, [](const std::string&) {});
  core::LoadedBatch batch;
  if (!loader.next(batch) || batch.images.empty()) throw DataError("bench: no readable image in the first batch");
  return batch;
}

}  // namespace roz::cli

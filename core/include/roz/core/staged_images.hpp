// A batch of images on its way to the device the model runs on.
//
//   StagedImages s = StagedImages::stage(images, device);   // a loader thread, batch k+1
//   at::Tensor x = s.take();                                 // the model's thread, when it needs it
//
// On a CUDA device, stage() packs the uint8 images into page-locked host memory and queues the
// copy and the conversion to float on a side stream of that device, then returns: the transfer of
// batch k+1 overlaps the model's work on batch k, and only a quarter of the float bytes cross the
// bus. take() makes the caller's current stream wait for it (no host wait) and tells the caching
// allocator the tensor is now used on that stream. On the CPU, stage() packs and take() converts
// (on the model's thread, whose OpenMP threads are already running).
// A StagedImages is movable between threads and used by one thread at a time.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/Event.h>

#include <opencv2/core/mat.hpp>
#include <optional>
#include <vector>

namespace roz::core {

class StagedImages {
 public:
  StagedImages() = default;
  // uint8 RGB images of one size -> float [N,3,H,W] in [0,1] on `device`, queued.
  static StagedImages stage(const std::vector<cv::Mat>& images, c10::Device device);

  bool empty() const { return !images_.defined(); }
  // The tensor, ready for work on the calling thread's current stream of its device. Once.
  at::Tensor take();

 private:
  at::Tensor images_;
  std::optional<c10::Event> ready_;
};

}  // namespace roz::core

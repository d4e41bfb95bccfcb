#include "roz/core/staged_images.hpp"

#include <ATen/ATen.h>
#include <c10/core/StreamGuard.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include "roz/core/image_pipeline.hpp"
#include "roz/error.hpp"

namespace roz::core {

StagedImages StagedImages::stage(const std::vector<cv::Mat>& images, c10::Device device) {
  StagedImages out;
  if (images.empty()) return out;
  if (!device.is_cuda()) {
    // Packing is a plain copy; the conversion to float waits for take(): run here, ATen's parallel
    // loops would start a second OpenMP thread team beside the model's and the two would spin
    // against each other on a small machine.
    out.images_ = pack_images(images, /*pinned=*/false);
    return out;
  }
  // Device-generic stream API (c10::impl::VirtualGuardImpl): no CUDA headers needed to build it.
  const c10::impl::VirtualGuardImpl cuda(device.type());
  const c10::Stream side = cuda.getStreamFromGlobalPool(device);
  c10::StreamGuard on_side(side);
  // The page-locked source may be freed once queued: PyTorch's host allocator keeps the block
  // until the copy that reads it has run.
  out.images_ = unit_float_nchw(pack_images(images, /*pinned=*/true).to(device, /*non_blocking=*/true));
  out.ready_.emplace(device.type());
  out.ready_->record(side);
  return out;
}

at::Tensor StagedImages::take() {
  if (empty()) throw Error("staged images: nothing staged (or already taken)");
  at::Tensor images = std::move(images_);
  images_ = at::Tensor();
  if (!ready_) return unit_float_nchw(images);  // the CPU: packed, converted here
  const c10::impl::VirtualGuardImpl cuda(images.device().type());
  const c10::Stream current = cuda.getStream(images.device());
  ready_->block(current);
  // Allocated on the side stream, used from here on the current one: the allocator must not hand
  // the memory back to the side stream before the current stream is done with it.
  cuda.recordDataPtrOnStream(images.storage().data_ptr(), current);
  ready_.reset();
  return images;
}

}  // namespace roz::core

// Resize / center-crop -> float tensor: the image stages between decoding and the model.
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <functional>
#include <opencv2/core/mat.hpp>
#include <vector>

namespace roz::core {

// Resizes the shorter side to `resolution` (bicubic, as CLIP's preprocessing) and center-crops.
cv::Mat resize_center_crop(const cv::Mat& rgb, int resolution);

// uint8 RGB images of one size -> float [N,3,H,W] in [0,1].
at::Tensor to_tensor(const std::vector<cv::Mat>& images);
// The two halves of to_tensor: the images packed as uint8 [N,H,W,3] (in page-locked memory when
// `pinned`, for an asynchronous copy to a GPU), and that packing -> float [N,3,H,W] in [0,1] on
// the packing's device.
at::Tensor pack_images(const std::vector<cv::Mat>& images, bool pinned);
at::Tensor unit_float_nchw(const at::Tensor& packed);

// Runs fn(i) for i in [0,n) on `threads` threads; rethrows the first exception after all finish.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn);

}  // namespace roz::core

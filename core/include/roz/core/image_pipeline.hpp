// Resize / center-crop -> float tensor: the image stages between decoding and the model.
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <functional>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "roz/preprocessing.hpp"

namespace roz::core {

// The size torchvision's Resize(shorter_side) gives an image of size `image`.
cv::Size resized_size(cv::Size image, std::int64_t shorter_side);
// The model input from a decoded image, as torchvision's Resize(p.shorter_side(), p.interpolation)
// + CenterCrop(p.resolution) make it from a PIL RGB image: bit for bit (pil_resize.hpp). The shorter
// side must be at least the resolution (the host checks a model's preprocessing when it loads).
cv::Mat resize_center_crop(const cv::Mat& rgb, const Preprocessing& p);
// "resize 224 bicubic, crop 224": what a condition records of the preprocessing.
std::string describe(const Preprocessing& p);

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

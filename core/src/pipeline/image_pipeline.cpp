#include "roz/core/image_pipeline.hpp"

#include <ATen/ATen.h>

#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include "roz/core/pil_resize.hpp"
#include "roz/datasets/resource_limits.hpp"
#include "roz/error.hpp"

namespace roz::core {

cv::Size resized_size(cv::Size image, std::int64_t shorter_side) {
  // torchvision's _compute_resized_output_size: the longer side is int(shorter_side * long / short),
  // truncated, in double precision as Python computes it.
  const bool portrait = image.width <= image.height;
  const std::int64_t shorter = portrait ? image.width : image.height, longer = portrait ? image.height : image.width;
  const int side = static_cast<int>(shorter_side);
  const int other = static_cast<int>(static_cast<double>(shorter_side * longer) / static_cast<double>(shorter));
  return portrait ? cv::Size(side, other) : cv::Size(other, side);
}

cv::Mat resize_center_crop(const cv::Mat& rgb, const Preprocessing& p) {
  const int shorter = std::min(rgb.cols, rgb.rows), resolution = static_cast<int>(p.resolution);
  if (shorter < 1) throw DataError("an empty image");
  // Resized whole before the crop (as torchvision's Resize + CenterCrop), a strip of extreme aspect
  // ratio would need gigabytes (1 x 1,000,000 px at 224: 150 GB); such an image is refused instead
  // (a DataError: a named skip in the loader).
  const std::uint64_t longer = std::max(rgb.cols, rgb.rows), max_ratio = datasets::resource_limits().aspect_ratio;
  if (longer > max_ratio * static_cast<std::uint64_t>(shorter))
    throw DataError("a " + std::to_string(rgb.cols) + " x " + std::to_string(rgb.rows) + " image: aspect ratio above " +
                    std::to_string(max_ratio) + ":1 (ROZ_MAX_ASPECT_RATIO)");
  const cv::Size size = resized_size(rgb.size(), p.shorter_side());
  const cv::Mat resized = size == rgb.size() ? rgb : pil_resize(rgb, size, p.interpolation);
  // torchvision's center_crop: int(round((side - crop) / 2.0)), Python's round (half to even).
  const int x = static_cast<int>(std::nearbyint((resized.cols - resolution) / 2.0));
  const int y = static_cast<int>(std::nearbyint((resized.rows - resolution) / 2.0));
  return resized(cv::Rect(x, y, resolution, resolution)).clone();
}

std::string describe(const Preprocessing& p) {
  return "resize " + std::to_string(p.shorter_side()) + " " + std::string(to_string(p.interpolation)) + ", crop " +
         std::to_string(p.resolution);
}

at::Tensor pack_images(const std::vector<cv::Mat>& images, bool pinned) {
  if (images.empty()) throw Error("to_tensor: no images");
  const int h = images.front().rows, w = images.front().cols;
  at::Tensor out =
      at::empty({static_cast<std::int64_t>(images.size()), h, w, 3}, at::TensorOptions(at::kByte).pinned_memory(pinned));
  for (size_t i = 0; i < images.size(); ++i) {
    const cv::Mat& m = images[i];
    if (m.type() != CV_8UC3 || m.rows != h || m.cols != w)
      throw DataError("to_tensor: image " + std::to_string(i) + " is not " + std::to_string(w) + "x" + std::to_string(h) +
                      " RGB uint8");
    cv::Mat dst(h, w, CV_8UC3, out[static_cast<std::int64_t>(i)].data_ptr<std::uint8_t>());
    m.copyTo(dst);
  }
  return out;
}

at::Tensor unit_float_nchw(const at::Tensor& packed) {
  return packed.permute({0, 3, 1, 2}).to(at::kFloat).div_(255.0).contiguous();
}

at::Tensor to_tensor(const std::vector<cv::Mat>& images) {
  return unit_float_nchw(pack_images(images, false));
}

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn) {
  std::size_t workers = std::min<std::size_t>(n, static_cast<std::size_t>(std::max(1, threads)));
  if (workers <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::exception_ptr first_error;
  std::mutex error_mutex;
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < workers; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t i = t; i < n; i += workers) {
        try {
          fn(i);
        } catch (...) {
          std::lock_guard lock(error_mutex);
          if (!first_error) first_error = std::current_exception();
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace roz::core

// PIL's Image.resize for 8-bit RGB images, reproduced bit for bit (Pillow's separable resampling:
// the horizontal pass, then the vertical one, each with its kernel widened by the scale when
// shrinking and its weights in 22-bit fixed point, rounded and clipped to 8 bits between passes).
// It is what torchvision's Resize does to a PIL image, so what CLIP and torchvision models were
// evaluated with; OpenCV's resize differs (INTER_CUBIC is a = -0.75 and never antialiases).
//
//   cv::Mat small = roz::core::pil_resize(rgb, cv::Size(298, 224), roz::Interpolation::bicubic);
//
// A pure function, safe to call from any thread.
#pragma once

#include <opencv2/core/mat.hpp>

#include "roz/preprocessing.hpp"

namespace roz::core {

// rgb: CV_8UC3 (any channel order: channels are filtered independently), size: at least 1 x 1.
cv::Mat pil_resize(const cv::Mat& rgb, cv::Size size, Interpolation interpolation);

}  // namespace roz::core

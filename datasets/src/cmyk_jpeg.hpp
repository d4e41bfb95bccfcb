// Four-component (CMYK or YCCK) JPEGs, decoded to RGB as PIL's Image.convert("RGB") does: OpenCV's
// own CMYK conversion rounds differently, so ImageNet's few CMYK photos would not match the
// torchvision pipeline CLIP was evaluated with (docs/datasets.md, "Decoding").
#pragma once

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <optional>
#include <span>
#include <string>

namespace roz::datasets {

// nullopt when `jpeg` is not a four-component JPEG; the image (CV_8UC3 RGB) otherwise. Throws
// DataError naming `name` when libjpeg refuses the file or it has more than `max_pixels` pixels.
std::optional<cv::Mat> decode_cmyk_jpeg(std::span<const unsigned char> jpeg, std::uint64_t max_pixels,
                                        const std::string& name);

}  // namespace roz::datasets

// Decoding one image file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <opencv2/core/mat.hpp>

namespace roz::datasets {

// The largest image file decode_rgb reads (the largest ImageNet photographs are about 15 MB).
inline constexpr std::uintmax_t kMaxImageFileBytes = std::uintmax_t{256} << 20;

// Any OpenCV-readable file to CV_8UC3 RGB. Throws DataError naming the file when it is missing,
// corrupt or truncated (a JPEG without its end-of-image marker counts as truncated: libjpeg would
// otherwise fill the missing part with grey and only warn), when it is not a regular file (a FIFO,
// a device) or when it is larger than kMaxImageFileBytes.
cv::Mat decode_rgb(const std::filesystem::path& path);

}  // namespace roz::datasets

// Decoding one image file.
#pragma once

#include <filesystem>
#include <opencv2/core/mat.hpp>

namespace roz::datasets {

// Any OpenCV-readable file to CV_8UC3 RGB. Throws DataError naming the file when it is missing,
// corrupt or truncated (a JPEG without its end-of-image marker counts as truncated: libjpeg would
// otherwise fill the missing part with grey and only warn).
cv::Mat decode_rgb(const std::filesystem::path& path);

}  // namespace roz::datasets

// Decoding one image file.
#pragma once

#include <filesystem>
#include <opencv2/core/mat.hpp>

namespace roz::datasets {

// A JPEG, PNG, BMP, TIFF, WebP or PNM file (by content, whatever its name) to CV_8UC3 RGB. Throws DataError naming the file when it is missing,
// corrupt or truncated (a JPEG without its end-of-image marker counts as truncated: libjpeg would
// otherwise fill the missing part with grey and only warn), when it is not a regular file (a FIFO,
// a device), or when the file or the decoded image is larger than its cap (resource_limits.hpp; the
// largest ImageNet photographs are about 15 MB).
cv::Mat decode_rgb(const std::filesystem::path& path);

}  // namespace roz::datasets

#include "roz/datasets/image_file.hpp"

#include <fstream>
#include <iterator>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "roz/error.hpp"

namespace roz::datasets {

namespace {

bool is_truncated_jpeg(const std::vector<unsigned char>& bytes) {
  if (bytes.size() < 2 || bytes[0] != 0xFF || bytes[1] != 0xD8) return false;
  size_t end = bytes.size();
  while (end > 2 && (bytes[end - 1] == 0x00 || bytes[end - 1] == '\n' || bytes[end - 1] == '\r')) --end;
  return !(end >= 4 && bytes[end - 2] == 0xFF && bytes[end - 1] == 0xD9);
}

}  // namespace

cv::Mat decode_rgb(const std::filesystem::path& path) {
  // Only a regular file of plausible size is read: a FIFO would block forever, /dev/zero or a huge
  // file would be read until memory runs out.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw DataError("image '" + path.string() + "': " + (std::filesystem::exists(path, ec) ? "not a regular file" : "cannot open"));
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxImageFileBytes)
    throw DataError("image '" + path.string() + "': " + std::to_string(size) + " bytes, more than the " +
                    std::to_string(kMaxImageFileBytes >> 20) + " MiB an image file may have");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError("image '" + path.string() + "': cannot open");
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw DataError("image '" + path.string() + "': read error");
  if (is_truncated_jpeg(bytes)) throw DataError("image '" + path.string() + "': truncated JPEG (no end-of-image marker)");
  cv::Mat bgr;
  try {
    bgr = cv::imdecode(bytes, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw DataError("image '" + path.string() + "': cannot decode (" + e.msg + ")");
  }
  if (bgr.empty()) throw DataError("image '" + path.string() + "': cannot decode (corrupt, truncated or not an image)");
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

}  // namespace roz::datasets

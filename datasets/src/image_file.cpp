#include "roz/datasets/image_file.hpp"

#include <cctype>
#include <climits>
#include <initializer_list>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <span>
#include <string>

#include "cmyk_jpeg.hpp"
#include "roz/datasets/resource_limits.hpp"
#include "roz/error.hpp"
#include "roz/read_file.hpp"

namespace roz::datasets {

namespace {

bool is_truncated_jpeg(std::span<const unsigned char> bytes) {
  if (bytes.size() < 2 || bytes[0] != 0xFF || bytes[1] != 0xD8) return false;
  size_t end = bytes.size();
  while (end > 2 && (bytes[end - 1] == 0x00 || bytes[end - 1] == '\n' || bytes[end - 1] == '\r')) --end;
  return !(end >= 4 && bytes[end - 2] == 0xFF && bytes[end - 1] == 0xD9);
}

// The formats RoZ hands to OpenCV, told by their first bytes, not the file name (ImageNet has PNGs
// named .JPEG). Debian's OpenCV also decodes DICOM, JPEG 2000, OpenEXR, HDR and more, through
// libraries that can abort the process on a crafted file (GDCM asserts on a 140-byte one): those
// are refused before any decoder sees them.
bool is_accepted_format(std::span<const unsigned char> b) {
  const auto starts = [&](std::initializer_list<unsigned char> magic, std::size_t at = 0) {
    if (b.size() < at + magic.size()) return false;
    std::size_t i = at;
    for (unsigned char m : magic)
      if (b[i++] != m) return false;
    return true;
  };
  // OpenCV gives a file to the first decoder whose signature matches, so a file that passes this
  // test but fails that decoder's own check would go on to the next, DICOM among them: each test
  // is as strict as OpenCV's, and DICOM's magic (DICM at 128) is refused whatever comes first.
  if (starts({'D', 'I', 'C', 'M'}, 128)) return false;
  return starts({0xFF, 0xD8, 0xFF}) ||                                          // JPEG
         starts({0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}) ||                // PNG
         starts({'B', 'M'}) ||                                                  // BMP
         starts({'I', 'I', 0x2A, 0x00}) || starts({'M', 'M', 0x00, 0x2A}) ||    // TIFF
         (starts({'R', 'I', 'F', 'F'}) && starts({'W', 'E', 'B', 'P', 'V', 'P', '8'}, 8)) ||  // WebP
         (b.size() >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6' &&         // PBM, PGM, PPM
          std::isspace(b[2]) != 0);
}

}  // namespace

cv::Mat decode_rgb(const std::filesystem::path& path) {
  // Only a regular file of plausible size is read: a FIFO would block forever, /dev/zero or a huge
  // file would be read until memory runs out.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw DataError("image '" + path.string() + "': " + (std::filesystem::exists(path, ec) ? "not a regular file" : "cannot open"));
  const ResourceLimits& caps = resource_limits();
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > caps.image_file_bytes)
    throw DataError("image '" + path.string() + "': " + std::to_string(size) + " bytes, more than the " +
                    std::to_string(caps.image_file_bytes) + " an image file may have (ROZ_MAX_IMAGE_FILE_MIB)");
  const std::string file = read_file(path, "image");
  if (file.size() > static_cast<std::size_t>(INT_MAX))  // OpenCV's decoders take an int size
    throw DataError("image '" + path.string() + "': over 2 GiB, more than OpenCV decodes");
  const std::span<const unsigned char> bytes(reinterpret_cast<const unsigned char*>(file.data()), file.size());
  if (!is_accepted_format(bytes))
    throw DataError("image '" + path.string() + "': not a JPEG, PNG, BMP, TIFF, WebP or PNM file");
  if (is_truncated_jpeg(bytes)) throw DataError("image '" + path.string() + "': truncated JPEG (no end-of-image marker)");
  if (bytes[0] == 0xFF)  // a JPEG (is_accepted_format)
    if (std::optional<cv::Mat> rgb = decode_cmyk_jpeg(bytes, caps.image_pixels, path.string())) return std::move(*rgb);
  cv::Mat bgr;
  try {
    // As PIL opens an image: the EXIF orientation is not applied (torchvision's loader does not).
    bgr = cv::imdecode(cv::_InputArray(bytes.data(), static_cast<int>(bytes.size())),
                       cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  } catch (const cv::Exception& e) {
    throw DataError("image '" + path.string() + "': cannot decode (" + e.msg + ")");
  }
  if (bgr.empty()) throw DataError("image '" + path.string() + "': cannot decode (corrupt, truncated or not an image)");
  if (static_cast<std::uint64_t>(bgr.total()) > caps.image_pixels)
    throw DataError("image '" + path.string() + "': " + std::to_string(bgr.cols) + " x " + std::to_string(bgr.rows) +
                    " pixels, more than the " + std::to_string(caps.image_pixels) +
                    " an image may have (ROZ_MAX_IMAGE_PIXELS)");
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

}  // namespace roz::datasets

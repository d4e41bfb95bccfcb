#include "cmyk_jpeg.hpp"

#include <csetjmp>
#include <cstdio>
// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>

#include <vector>

#include "roz/error.hpp"

namespace roz::datasets {

namespace {

// libjpeg reports a fatal error by calling error_exit, which must not return: it jumps back.
struct JumpingErrors {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jump_back(j_common_ptr info) {
  auto* errors = reinterpret_cast<JumpingErrors*>(info->err);
  info->err->format_message(info, errors->message);
  std::longjmp(errors->jump, 1);
}

// Pillow's cmyk2rgb after its "CMYK;I" unpacking (it assumes Adobe's inverted CMYK, as libjpeg
// delivers it): with k' = 255 - k, each channel is k' - c * k' / 255, rounded by MULDIV255.
std::uint8_t pil_channel(std::uint8_t inverted_ink, std::uint8_t inverted_black) {
  const int ink = 255 - inverted_ink, not_black = inverted_black;
  const int t = ink * not_black + 128;
  return static_cast<std::uint8_t>(not_black - (((t >> 8) + t) >> 8));
}

// Everything libjpeg touches lives in plain structs, so the longjmp skips no destructor.
enum class Outcome { not_cmyk, decoded, too_large, failed };

Outcome decode(std::span<const unsigned char> jpeg, std::uint64_t max_pixels, cv::Mat& rgb,
               std::vector<unsigned char>& row, JumpingErrors& errors) {
  jpeg_decompress_struct info;
  info.err = jpeg_std_error(&errors.manager);
  errors.manager.error_exit = jump_back;
  errors.manager.output_message = [](j_common_ptr) {};  // warnings: the caller refuses truncated files itself
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&info);
    return Outcome::failed;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, jpeg.data(), static_cast<unsigned long>(jpeg.size()));
  jpeg_read_header(&info, TRUE);
  if (info.num_components != 4) {
    jpeg_destroy_decompress(&info);
    return Outcome::not_cmyk;
  }
  if (static_cast<std::uint64_t>(info.image_width) * info.image_height > max_pixels) {
    jpeg_destroy_decompress(&info);
    return Outcome::too_large;
  }
  info.out_color_space = JCS_CMYK;  // libjpeg turns YCCK into CMYK
  jpeg_start_decompress(&info);
  rgb.create(static_cast<int>(info.output_height), static_cast<int>(info.output_width), CV_8UC3);
  row.resize(static_cast<std::size_t>(info.output_width) * 4);
  while (info.output_scanline < info.output_height) {
    JSAMPROW rows[1] = {row.data()};
    const int y = static_cast<int>(info.output_scanline);
    jpeg_read_scanlines(&info, rows, 1);
    std::uint8_t* out = rgb.ptr<std::uint8_t>(y);
    for (std::size_t x = 0; x < info.output_width; ++x) {
      const unsigned char* p = &row[4 * x];
      for (int c = 0; c < 3; ++c) out[3 * x + c] = pil_channel(p[c], p[3]);
    }
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return Outcome::decoded;
}

}  // namespace

std::optional<cv::Mat> decode_cmyk_jpeg(std::span<const unsigned char> jpeg, std::uint64_t max_pixels,
                                        const std::string& name) {
  cv::Mat rgb;
  std::vector<unsigned char> row;
  JumpingErrors errors{};
  switch (decode(jpeg, max_pixels, rgb, row, errors)) {
    case Outcome::not_cmyk:
      return std::nullopt;
    case Outcome::decoded:
      return rgb;
    case Outcome::too_large:
      throw DataError("image '" + name + "': more than the " + std::to_string(max_pixels) +
                      " pixels an image may have (ROZ_MAX_IMAGE_PIXELS)");
    case Outcome::failed:
      break;
  }
  throw DataError("image '" + name + "': cannot decode (libjpeg: " + errors.message + ")");
}

}  // namespace roz::datasets

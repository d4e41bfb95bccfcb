// JPEG compression, the ImageNet-C corruption (Hendrycks & Dietterich 2019) and the editing
// perturbation: an encode/decode round trip at a given quality, through libjpeg with the settings
// PIL uses (the reference saves with PIL): RGB in and out, jpeg_set_defaults + quality (4:2:0 chroma,
// integer DCT), baseline; default decoding (fancy upsampling). Same library, same bytes.
#include <array>
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE and size_t declared first
#include <cstdlib>
#include <cstring>

#include <jpeglib.h>

#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

// Qualities for severities 1..5: ImageNet-C (make_imagenet_c.py) and CIFAR-10-C (make_cifar_c.py).
constexpr std::array<int, 5> kImageNetCQuality = {25, 18, 15, 10, 7};
constexpr std::array<int, 5> kCifarCQuality = {80, 65, 58, 50, 40};

// libjpeg reports fatal errors through error_exit, which must not return: jump back to the caller,
// whose frame holds only plain C objects, so nothing is skipped that needed destroying.
struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Encodes then decodes `rgb` into `out` (preallocated, same size). Returns the encoded size, or 0 with
// `message` set.
unsigned long round_trip(const cv::Mat& rgb, int quality, cv::Mat& out, char* message) {
  jpeg_compress_struct enc;
  jpeg_decompress_struct dec;
  ErrorManager err;
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  enc.err = jpeg_std_error(&err.pub);
  dec.err = &err.pub;
  err.pub.error_exit = on_error;
  jpeg_create_compress(&enc);
  jpeg_create_decompress(&dec);
  if (setjmp(err.jump)) {
    jpeg_destroy_compress(&enc);
    jpeg_destroy_decompress(&dec);
    std::free(buffer);
    std::memcpy(message, err.message, JMSG_LENGTH_MAX);
    return 0;
  }
  jpeg_mem_dest(&enc, &buffer, &size);
  enc.image_width = static_cast<JDIMENSION>(rgb.cols);
  enc.image_height = static_cast<JDIMENSION>(rgb.rows);
  enc.input_components = 3;
  enc.in_color_space = JCS_RGB;
  jpeg_set_defaults(&enc);
  jpeg_set_quality(&enc, quality, TRUE);
  jpeg_start_compress(&enc, TRUE);
  while (enc.next_scanline < enc.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(rgb.ptr<unsigned char>(static_cast<int>(enc.next_scanline)));
    jpeg_write_scanlines(&enc, &row, 1);
  }
  jpeg_finish_compress(&enc);

  jpeg_mem_src(&dec, buffer, size);
  jpeg_read_header(&dec, TRUE);
  dec.out_color_space = JCS_RGB;
  jpeg_start_decompress(&dec);
  while (dec.output_scanline < dec.output_height) {
    JSAMPROW row = out.ptr<unsigned char>(static_cast<int>(dec.output_scanline));
    jpeg_read_scanlines(&dec, &row, 1);
  }
  jpeg_finish_decompress(&dec);
  jpeg_destroy_compress(&enc);
  jpeg_destroy_decompress(&dec);
  std::free(buffer);
  return size;
}

class JpegCompression final : public roz::Corruption {
 public:
  explicit JpegCompression(const roz::Params& params) : params_(params) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& input) const override {
    const int quality = params_.has("quality")
                            ? static_cast<int>(params_.get_int("quality"))
                            : roz::imagenet_c::by_severity(params_, input.image, kImageNetCQuality, kCifarCQuality);
    const cv::Mat rgb = input.image.isContinuous() ? input.image : input.image.clone();
    roz::CorruptionOutput out{cv::Mat(rgb.size(), CV_8UC3), {}, false};
    char message[JMSG_LENGTH_MAX] = {};
    const unsigned long bytes = round_trip(rgb, quality, out.image, message);
    if (bytes == 0) throw roz::Error("JPEG round trip failed for sample '" + input.sample_id + "': " + message);
    out.metadata["jpeg_bytes"] = std::to_string(bytes);
    return out;
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_jpeg_compression() {
  auto params = roz::imagenet_c::severity_params("quality", 1, 100, "JPEG quality");
  params.back().type = roz::ParamType::integer;
  return roz::imagenet_c::corruption_descriptor<JpegCompression>(
      "jpeg_compression", "JPEG encode/decode round trip: ImageNet-C qualities 25-7 (CIFAR-10-C 80-40), or any quality",
      params, roz::kDeterministic);
}

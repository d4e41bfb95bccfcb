// The image decode path (datasets/src/image_file.cpp): any bytes decode to RGB within the caps or
// are a DataError naming the file.
#include "fuzz_input.hpp"
#include "roz/datasets/image_file.hpp"
#include "roz/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = roz::fuzz::write_input("image", data, size);
  try {
    const cv::Mat rgb = roz::datasets::decode_rgb(path);
    if (rgb.type() != CV_8UC3 || rgb.empty()) std::abort();  // decode_rgb promises RGB uint8
  } catch (const roz::Error&) {
  }
  return 0;
}

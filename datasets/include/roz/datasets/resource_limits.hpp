// Caps on what a file's contents can make RoZ allocate. Each is far above what any real dataset
// needs and can be changed with an environment variable, read once, at first use:
//
//   ROZ_MAX_IMAGE_FILE_MIB   256        bytes of one image file
//   ROZ_MAX_IMAGE_PIXELS     268435456  decoded width x height (2^28, e.g. 16,384 x 16,384)
//   ROZ_MAX_ASPECT_RATIO     100        longer over shorter side of an image to resize
//   ROZ_MAX_DATA_FILE_MIB    8192       decompressed bytes of an IDX / CIFAR batch file
//   ROZ_MAX_CLASSES          1000000    classes a label file may number (largest label + 1)
//
//   const ResourceLimits& caps = resource_limits();
//   if (pixels > caps.image_pixels) throw DataError(...);   // a named skip for an image
//
// Every violation is a DataError naming the file (an image's is a named skip in the loaders). A
// value that is not a positive integer is an Error naming the variable. Thread-safe; roz calls it
// once at start-up. The pixel cap is checked after decoding: before it, OpenCV applies its own
// (OPENCV_IO_MAX_IMAGE_PIXELS, default 2^30), which it reads when its library loads, so only the
// environment roz starts in can lower it.
#pragma once

#include <cstdint>

namespace roz::datasets {

struct ResourceLimits {
  std::uint64_t image_file_bytes = std::uint64_t{256} << 20;
  std::uint64_t image_pixels = std::uint64_t{1} << 28;
  std::uint64_t aspect_ratio = 100;
  std::uint64_t data_file_bytes = std::uint64_t{8192} << 20;
  std::uint64_t classes = 1000000;
};

const ResourceLimits& resource_limits();

}  // namespace roz::datasets

#include "roz/core/pil_resize.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "roz/error.hpp"

namespace roz::core {

namespace {

// Pillow's fixed point: 8 bits of result, 2 of headroom for kernels with negative lobes.
constexpr int kPrecisionBits = 32 - 8 - 2;

double bicubic(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

double bilinear(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

// The taps of one axis: for output position i, `count[i]` input positions from `first[i]` with
// their fixed-point weights at weights[i * taps ...].
struct AxisKernel {
  int taps = 0;
  std::vector<int> first, count;
  std::vector<std::int32_t> weights;
};

AxisKernel axis_kernel(int in_size, int out_size, Interpolation interpolation) {
  double (*filter)(double) = interpolation == Interpolation::bicubic ? bicubic : bilinear;
  const double filter_support = interpolation == Interpolation::bicubic ? 2.0 : 1.0;
  // Pillow passes the box edges as floats (0 and in_size) and computes in double from there.
  const double scale = static_cast<double>(static_cast<float>(in_size) - 0.0f) / out_size;
  const double filter_scale = std::max(scale, 1.0);
  const double support = filter_support * filter_scale;
  AxisKernel k;
  k.taps = static_cast<int>(std::ceil(support)) * 2 + 1;
  k.first.resize(static_cast<std::size_t>(out_size));
  k.count.resize(static_cast<std::size_t>(out_size));
  k.weights.assign(static_cast<std::size_t>(out_size) * static_cast<std::size_t>(k.taps), 0);
  std::vector<double> w(static_cast<std::size_t>(k.taps));
  const double inverse_scale = 1.0 / filter_scale;  // multiplied, as Pillow does, not divided
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    // Truncation toward zero, as Pillow's (int) casts; the bounds are clamped to the image.
    const int lo = std::max(static_cast<int>(center - support + 0.5), 0);
    const int n = std::min(static_cast<int>(center + support + 0.5), in_size) - lo;
    double total = 0.0;
    for (int t = 0; t < n; ++t)
      total += w[static_cast<std::size_t>(t)] = filter((t + lo - center + 0.5) * inverse_scale);
    std::int32_t* out = &k.weights[static_cast<std::size_t>(i) * static_cast<std::size_t>(k.taps)];
    for (int t = 0; t < n; ++t) {
      const double v = total != 0.0 ? w[static_cast<std::size_t>(t)] / total : w[static_cast<std::size_t>(t)];
      out[t] = static_cast<std::int32_t>(v < 0 ? -0.5 + v * (1 << kPrecisionBits) : 0.5 + v * (1 << kPrecisionBits));
    }
    k.first[static_cast<std::size_t>(i)] = lo;
    k.count[static_cast<std::size_t>(i)] = n;
  }
  return k;
}

std::uint8_t clip8(std::int32_t sum) {
  return static_cast<std::uint8_t>(std::clamp(sum >> kPrecisionBits, 0, 255));
}

// One pass along x (rows of `in` from `row0`, `rows` of them) into `out`.
cv::Mat horizontal(const cv::Mat& in, int row0, int rows, const AxisKernel& k) {
  const int width = static_cast<int>(k.first.size());
  cv::Mat out(rows, width, CV_8UC3);
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* src = in.ptr<std::uint8_t>(row0 + y);
    std::uint8_t* dst = out.ptr<std::uint8_t>(y);
    for (int x = 0; x < width; ++x) {
      const std::int32_t* w = &k.weights[static_cast<std::size_t>(x) * static_cast<std::size_t>(k.taps)];
      const std::uint8_t* p = src + 3 * k.first[static_cast<std::size_t>(x)];
      std::int32_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
      for (int t = 0; t < k.count[static_cast<std::size_t>(x)]; ++t, p += 3) {
        s0 += p[0] * w[t];
        s1 += p[1] * w[t];
        s2 += p[2] * w[t];
      }
      dst[3 * x] = clip8(s0);
      dst[3 * x + 1] = clip8(s1);
      dst[3 * x + 2] = clip8(s2);
    }
  }
  return out;
}

// One pass along y; `row0` is the input row the kernel's positions count from. The sums are exact
// integers, so accumulating a row at a time gives Pillow's per-pixel result.
cv::Mat vertical(const cv::Mat& in, int row0, const AxisKernel& k) {
  const int height = static_cast<int>(k.first.size()), values = 3 * in.cols;
  cv::Mat out(height, in.cols, CV_8UC3);
  std::vector<std::int32_t> sums(static_cast<std::size_t>(values));
  for (int y = 0; y < height; ++y) {
    const std::int32_t* w = &k.weights[static_cast<std::size_t>(y) * static_cast<std::size_t>(k.taps)];
    const int first = k.first[static_cast<std::size_t>(y)] - row0, n = k.count[static_cast<std::size_t>(y)];
    std::fill(sums.begin(), sums.end(), 1 << (kPrecisionBits - 1));
    for (int t = 0; t < n; ++t) {
      const std::uint8_t* src = in.ptr<std::uint8_t>(first + t);
      for (int v = 0; v < values; ++v) sums[static_cast<std::size_t>(v)] += src[v] * w[t];
    }
    std::uint8_t* dst = out.ptr<std::uint8_t>(y);
    for (int v = 0; v < values; ++v) dst[v] = clip8(sums[static_cast<std::size_t>(v)]);
  }
  return out;
}

}  // namespace

cv::Mat pil_resize(const cv::Mat& rgb, cv::Size size, Interpolation interpolation) {
  if (rgb.type() != CV_8UC3 || rgb.empty()) throw Error("pil_resize: not a non-empty 8-bit RGB image");
  if (size.width < 1 || size.height < 1)
    throw Error("pil_resize: output size " + std::to_string(size.width) + " x " + std::to_string(size.height));
  const bool along_x = size.width != rgb.cols, along_y = size.height != rgb.rows;
  if (!along_x && !along_y) return rgb.clone();
  const AxisKernel ky = axis_kernel(rgb.rows, size.height, interpolation);
  // The 8-bit rounding between the passes makes their order matter. Pillow 13 filters vertically
  // first when the image loses more than twice as many rows as columns (found against Pillow 13.0
  // on random sizes, both filters; PilResize.MatchesPillowOnRandomSizes checks it), else
  // horizontally first, that pass covering only the rows the vertical one reads.
  if (along_x && along_y && size.height < rgb.rows && rgb.rows - size.height > 2 * (rgb.cols - size.width))
    return horizontal(vertical(rgb, 0, ky), 0, size.height, axis_kernel(rgb.cols, size.width, interpolation));
  const int row0 = ky.first.front(), row_end = ky.first.back() + ky.count.back();
  cv::Mat image = rgb;
  int offset = 0;
  if (along_x) {
    offset = along_y ? row0 : 0;
    image =
        horizontal(rgb, offset, along_y ? row_end - row0 : rgb.rows, axis_kernel(rgb.cols, size.width, interpolation));
  }
  return along_y ? vertical(image, offset, ky) : image;
}

}  // namespace roz::core

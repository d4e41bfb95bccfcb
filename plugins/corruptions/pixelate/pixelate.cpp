// pixelate (ImageNet-C): down to int(side * scale) and back up, both with PIL's BOX resampling as the
// reference script does, reproduced bit for bit: PIL's coefficients in 22-bit fixed point, horizontal
// pass first, 8-bit rounding between the passes. (imagecorruptions upsamples with NEAREST instead;
// at a scale-up, BOX picks the same single pixel, floor of the centre, so the result is the same.)
#include <cmath>
#include <cstdint>
#include <vector>

#include "imagenet_c.hpp"
#include "roz/plugin.hpp"

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // PIL's PRECISION_BITS for 8-bit images

// One output position's taps: the input pixels whose centres fall within its footprint (PIL's
// precompute_coeffs with the box filter, support 0.5), weights normalised then made fixed point.
struct Taps {
  int first = 0;
  std::vector<std::int32_t> weights;
};

std::vector<Taps> box_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size, filterscale = std::max(scale, 1.0);
  const double support = 0.5 * filterscale;
  std::vector<Taps> taps(static_cast<size_t>(out_size));
  for (int o = 0; o < out_size; ++o) {
    const double center = (o + 0.5) * scale;
    const int xmin = std::max(0, static_cast<int>(center - support + 0.5));
    const int xmax = std::min(in_size, static_cast<int>(center + support + 0.5));
    std::vector<double> k;
    double total = 0;
    for (int x = xmin; x < xmax; ++x) {
      const double t = (x - center + 0.5) / filterscale;
      k.push_back(t > -0.5 && t <= 0.5 ? 1.0 : 0.0);
      total += k.back();
    }
    Taps& tap = taps[static_cast<size_t>(o)];
    tap.first = xmin;
    for (double w : k) tap.weights.push_back(static_cast<std::int32_t>(0.5 + (total ? w / total : 0.0) * (1 << kPrecisionBits)));
  }
  return taps;
}

unsigned char clip8(std::int32_t sum) {
  return static_cast<unsigned char>(std::clamp(sum >> kPrecisionBits, 0, 255));
}

cv::Mat box_horizontal(const cv::Mat& in, int out_width) {
  const std::vector<Taps> taps = box_taps(in.cols, out_width);
  cv::Mat out(in.rows, out_width, CV_8UC3);
  for (int y = 0; y < in.rows; ++y) {
    const auto* src = in.ptr<unsigned char>(y);
    auto* dst = out.ptr<unsigned char>(y);
    for (int x = 0; x < out_width; ++x) {
      const Taps& t = taps[static_cast<size_t>(x)];
      std::int32_t sum[3] = {1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1), 1 << (kPrecisionBits - 1)};
      for (size_t j = 0; j < t.weights.size(); ++j)
        for (int c = 0; c < 3; ++c) sum[c] += src[3 * (t.first + static_cast<int>(j)) + c] * t.weights[j];
      for (int c = 0; c < 3; ++c) dst[3 * x + c] = clip8(sum[c]);
    }
  }
  return out;
}

cv::Mat box_vertical(const cv::Mat& in, int out_height) {
  const std::vector<Taps> taps = box_taps(in.rows, out_height);
  const int n = in.cols * 3;
  cv::Mat out(out_height, in.cols, CV_8UC3);
  std::vector<std::int32_t> sum(static_cast<size_t>(n));
  for (int y = 0; y < out_height; ++y) {
    const Taps& t = taps[static_cast<size_t>(y)];
    std::fill(sum.begin(), sum.end(), 1 << (kPrecisionBits - 1));
    for (size_t j = 0; j < t.weights.size(); ++j) {
      const auto* src = in.ptr<unsigned char>(t.first + static_cast<int>(j));
      for (int i = 0; i < n; ++i) sum[static_cast<size_t>(i)] += src[i] * t.weights[j];
    }
    auto* dst = out.ptr<unsigned char>(y);
    for (int i = 0; i < n; ++i) dst[i] = clip8(sum[static_cast<size_t>(i)]);
  }
  return out;
}

cv::Mat box_resize(const cv::Mat& in, cv::Size size) { return box_vertical(box_horizontal(in, size.width), size.height); }

class Pixelate final : public roz::Corruption {
 public:
  explicit Pixelate(const roz::Params& p) : params_(p) {}
  roz::CorruptionOutput apply(const roz::CorruptionInput& in) const override {
    const double scale =
        roz::imagenet_c::level(params_, "scale", {.6, .5, .4, .3, .25}, {.95, .9, .85, .75, .65}, in.image);
    cv::Size small(std::max(1, static_cast<int>(in.image.cols * scale)), std::max(1, static_cast<int>(in.image.rows * scale)));
    return {box_resize(box_resize(in.image, small), in.image.size()), {}, false};
  }

 private:
  roz::Params params_;
};

roz::PluginDescriptor describe() {
  return roz::imagenet_c::corruption_descriptor<Pixelate>(
      "pixelate", "ImageNet-C pixelate (scale .6-.25; CIFAR-10-C .95-.65), or any scale",
      roz::imagenet_c::severity_params("scale", 0.001, 1, "side fraction kept before upscaling"), roz::kDeterministic);
}

}  // namespace

ROZ_PLUGIN(describe)

// pixelate (ImageNet-C): down to int(side * scale) and back up, both with PIL's BOX resampling as the
// reference script does, reproduced bit for bit: PIL's coefficients in 22-bit fixed point, horizontal
// pass first, 8-bit rounding between the passes. (imagecorruptions upsamples with NEAREST instead;
// at a scale-up, BOX picks the same single pixel, floor of the centre, so the result is the same.)
#include <cmath>
#include <cstdint>
#include <vector>

#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;  // PIL's PRECISION_BITS for 8-bit images

// The taps of every output position: the input pixels whose centres fall within its footprint (PIL's
// precompute_coeffs with the box filter, support 0.5), weights normalised then made fixed point.
// Output o reads inputs first[o] .. first[o] + count[o] - 1 with weights[o * stride ..].
struct Taps {
  std::vector<int> first, count;
  std::vector<std::int32_t> weights;
  int stride = 0;
  bool single = true;  // every output copies one input pixel (any scale-up): a gather
};

Taps box_taps(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size, filterscale = std::max(scale, 1.0);
  const double support = 0.5 * filterscale;
  Taps taps;
  taps.stride = static_cast<int>(std::ceil(support)) * 2 + 1;
  taps.weights.assign(static_cast<size_t>(out_size * taps.stride), 0);
  std::vector<double> k(static_cast<size_t>(taps.stride));
  for (int o = 0; o < out_size; ++o) {
    const double center = (o + 0.5) * scale;
    const int xmin = std::max(0, static_cast<int>(center - support + 0.5));
    const int xmax = std::min(in_size, static_cast<int>(center + support + 0.5));
    double total = 0;
    for (int x = xmin; x < xmax; ++x) {
      const double t = (x - center + 0.5) / filterscale;
      total += k[static_cast<size_t>(x - xmin)] = t > -0.5 && t <= 0.5 ? 1.0 : 0.0;
    }
    taps.first.push_back(xmin);
    taps.count.push_back(xmax - xmin);
    for (int x = 0; x < xmax - xmin; ++x)
      taps.weights[static_cast<size_t>(o * taps.stride + x)] =
          static_cast<std::int32_t>(0.5 + (total ? k[static_cast<size_t>(x)] / total : 0.0) * (1 << kPrecisionBits));
    if (taps.weights[static_cast<size_t>(o * taps.stride)] != (1 << kPrecisionBits)) taps.single = false;
  }
  return taps;
}

unsigned char clip8(std::int32_t sum) {
  return static_cast<unsigned char>(std::clamp(sum >> kPrecisionBits, 0, 255));
}

cv::Mat box_horizontal(const cv::Mat& in, int out_width) {
  const Taps taps = box_taps(in.cols, out_width);
  cv::Mat out(in.rows, out_width, CV_8UC3);
  for (int y = 0; y < in.rows; ++y) {
    const auto* src = in.ptr<unsigned char>(y);
    auto* dst = out.ptr<unsigned char>(y);
    for (int x = 0; x < out_width; ++x) {
      const unsigned char* s = src + 3 * taps.first[static_cast<size_t>(x)];
      if (taps.single) {
        dst[3 * x] = s[0], dst[3 * x + 1] = s[1], dst[3 * x + 2] = s[2];
        continue;
      }
      const std::int32_t* w = &taps.weights[static_cast<size_t>(x * taps.stride)];
      std::int32_t r = 1 << (kPrecisionBits - 1), g = r, b = r;
      for (int j = 0; j < taps.count[static_cast<size_t>(x)]; ++j, s += 3)
        r += s[0] * w[j], g += s[1] * w[j], b += s[2] * w[j];
      dst[3 * x] = clip8(r), dst[3 * x + 1] = clip8(g), dst[3 * x + 2] = clip8(b);
    }
  }
  return out;
}

cv::Mat box_vertical(const cv::Mat& in, int out_height) {
  const Taps taps = box_taps(in.rows, out_height);
  const int n = in.cols * 3;
  cv::Mat out(out_height, in.cols, CV_8UC3);
  std::vector<std::int32_t> sum(static_cast<size_t>(n));
  for (int y = 0; y < out_height; ++y) {
    auto* dst = out.ptr<unsigned char>(y);
    if (taps.single) {
      std::copy_n(in.ptr<unsigned char>(taps.first[static_cast<size_t>(y)]), n, dst);
      continue;
    }
    std::fill(sum.begin(), sum.end(), 1 << (kPrecisionBits - 1));
    for (int j = 0; j < taps.count[static_cast<size_t>(y)]; ++j) {
      const auto* src = in.ptr<unsigned char>(taps.first[static_cast<size_t>(y)] + j);
      const std::int32_t w = taps.weights[static_cast<size_t>(y * taps.stride + j)];
      for (int i = 0; i < n; ++i) sum[static_cast<size_t>(i)] += src[i] * w;
    }
    for (int i = 0; i < n; ++i) dst[i] = clip8(sum[static_cast<size_t>(i)]);
  }
  return out;
}

cv::Mat box_resize(const cv::Mat& in, cv::Size size) {
  return box_vertical(box_horizontal(in, size.width), size.height);
}

class Pixelate final : public roz::Corruption {
 public:
  explicit Pixelate(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    const double scale =
        roz::imagenet_c::level(params_, "scale", {.6, .5, .4, .3, .25}, {.95, .9, .85, .75, .65}, in.image);
    cv::Size small(std::max(1, static_cast<int>(in.image.cols * scale)),
                   std::max(1, static_cast<int>(in.image.rows * scale)));
    return {box_resize(box_resize(in.image, small), in.image.size()), {}, false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_pixelate() {
  return roz::imagenet_c::corruption_descriptor<Pixelate>(
      "pixelate", "ImageNet-C pixelate (scale .6-.25; CIFAR-10-C .95-.65), or any scale",
      roz::imagenet_c::severity_params("scale", 0.001, 1, "side fraction kept before upscaling"), roz::kDeterministic);
}

// pixelate (ImageNet-C): down to int(side * scale) and back up, both with PIL's BOX resampling as the
// reference script does, reproduced here (separable passes, horizontal first, 8-bit rounding between).
#include <cmath>
#include <vector>

#include "imagenet_c.hpp"
#include "roz/plugin.hpp"

namespace {

// PIL's BOX weights for one output position (Resample.c precompute_coeffs with box support 0.5):
// input pixels whose centres fall within the output pixel's footprint, equally weighted.
std::vector<std::pair<int, double>> box_weights(int out_index, int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size, filterscale = std::max(scale, 1.0);
  const double center = (out_index + 0.5) * scale, support = 0.5 * filterscale;
  const int xmin = std::max(0, static_cast<int>(center - support + 0.5));
  const int xmax = std::min(in_size, static_cast<int>(center + support + 0.5));
  std::vector<std::pair<int, double>> weights;
  double total = 0;
  for (int x = xmin; x < xmax; ++x) {
    const double t = (x - center + 0.5) / filterscale;
    if (t > -0.5 && t <= 0.5) {
      weights.emplace_back(x, 1.0);
      total += 1.0;
    }
  }
  for (auto& w : weights) w.second /= total;
  return weights;
}

// One pass along the columns (horizontal) of an 8-bit RGB image, rounding like PIL.
cv::Mat box_pass_horizontal(const cv::Mat& in, int out_width) {
  cv::Mat out(in.rows, out_width, CV_8UC3);
  for (int x = 0; x < out_width; ++x) {
    const auto weights = box_weights(x, in.cols, out_width);
    for (int y = 0; y < in.rows; ++y)
      for (int c = 0; c < 3; ++c) {
        double v = 0;
        for (const auto& [i, w] : weights) v += w * in.at<cv::Vec3b>(y, i)[c];
        out.at<cv::Vec3b>(y, x)[c] = static_cast<unsigned char>(std::clamp(std::lround(v), 0L, 255L));
      }
  }
  return out;
}

cv::Mat box_resize(const cv::Mat& in, cv::Size size) {
  cv::Mat horizontal = box_pass_horizontal(in, size.width);
  return box_pass_horizontal(horizontal.t(), size.height).t();
}

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
  return {.name = "pixelate",
          .kind = roz::PluginKind::corruption,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "ImageNet-C pixelate (scale .6-.25; CIFAR-10-C .95-.65), or any scale",
          .params = roz::imagenet_c::severity_params("scale", 0.001, 1, "side fraction kept before upscaling"),
          .capabilities = roz::kDeterministic,
          .create = roz::factory<Pixelate>()};
}

}  // namespace

ROZ_PLUGIN(describe)

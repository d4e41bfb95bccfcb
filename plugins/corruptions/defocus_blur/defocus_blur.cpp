// defocus_blur (ImageNet-C): convolution with a disk of the given radius whose edge is softened by a
// small Gaussian (the reference's `disk` helper), on [0,1] values, borders reflected (cv2.filter2D).
#include <opencv2/imgproc.hpp>

#include "imagenet_c.hpp"
#include "roz/plugin.hpp"

namespace {

// The reference's disk(radius, alias_blur): an aliased disk on a grid of at least 17 x 17,
// normalised, then blurred by a 3x3 (5x5 beyond radius 8) Gaussian of sigma alias_blur.
cv::Mat disk(double radius, double alias_blur) {
  const int half = radius <= 8 ? 8 : static_cast<int>(radius);
  cv::Mat kernel(2 * half + 1, 2 * half + 1, CV_32F);
  for (int y = -half; y <= half; ++y)
    for (int x = -half; x <= half; ++x)
      kernel.at<float>(y + half, x + half) = x * x + y * y <= radius * radius ? 1.0f : 0.0f;
  kernel /= cv::sum(kernel)[0];
  const int ksize = radius <= 8 ? 3 : 5;
  cv::Mat soft;
  cv::GaussianBlur(kernel, soft, cv::Size(ksize, ksize), alias_blur);
  return soft;
}

class DefocusBlur final : public roz::Corruption {
 public:
  explicit DefocusBlur(const roz::Params& p) : params_(p) {}
  roz::CorruptionOutput apply(const roz::CorruptionInput& in) const override {
    static constexpr std::array<std::array<double, 2>, 5> kImageNet = {{{3, 0.1}, {4, 0.5}, {6, 0.5}, {8, 0.5}, {10, 0.5}}};
    static constexpr std::array<std::array<double, 2>, 5> kCifar = {{{0.3, 0.4}, {0.4, 0.5}, {0.5, 0.6}, {1, 0.2}, {1.5, 0.1}}};
    const auto s = static_cast<size_t>(params_.get_int("severity") - 1);
    std::array<double, 2> c = roz::imagenet_c::use_cifar_constants(params_.get_string("variant"), in.image) ? kCifar[s]
                                                                                                          : kImageNet[s];
    if (params_.has("radius")) c = {params_.get_real("radius"), 0.5};
    cv::Mat blurred;
    cv::filter2D(roz::imagenet_c::to_unit_float(in.image), blurred, -1, disk(c[0], c[1]));
    return {roz::imagenet_c::to_uint8(blurred), {}, false};
  }

 private:
  roz::Params params_;
};

roz::PluginDescriptor describe() {
  return {.name = "defocus_blur",
          .kind = roz::PluginKind::corruption,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "ImageNet-C defocus blur (disk radius 3-10 px; CIFAR-10-C 0.3-1.5), or any radius",
          .params = roz::imagenet_c::severity_params("radius", 0, 64, "disk radius in pixels (edge softening 0.5)"),
          .capabilities = roz::kDeterministic,
          .create = roz::factory<DefocusBlur>()};
}

}  // namespace

ROZ_PLUGIN(describe)

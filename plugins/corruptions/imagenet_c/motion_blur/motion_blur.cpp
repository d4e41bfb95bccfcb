// motion_blur (ImageNet-C): a line blur at a random angle in [-45, 45] degrees. The reference calls
// ImageMagick's MotionBlurImage through Wand; this follows imagecorruptions' reimplementation of it
// (whole-pixel shifts weighted by a one-sided Gaussian), on 0-255 values.
#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/image_ops.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

class MotionBlur final : public roz::Corruption {
 public:
  explicit MotionBlur(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    using namespace roz::imagenet_c;
    static constexpr std::array<std::array<double, 2>, 5> kImageNet = {{{10, 3}, {15, 5}, {15, 8}, {15, 12}, {20, 15}}};
    static constexpr std::array<std::array<double, 2>, 5> kCifar = {{{6, 1}, {6, 1.5}, {6, 2}, {8, 2}, {9, 2.5}}};
    const auto& [radius, sigma] = by_severity(params_, in.image, kImageNet, kCifar);
    cv::RNG rng(in.seed);
    const double angle = rng.uniform(-45.0, 45.0);
    cv::Mat x;
    in.image.convertTo(x, CV_32FC3);
    cv::Mat blurred = roz::imagenet_c::motion_blur(x, static_cast<int>(radius), sigma, angle), out;
    blurred.convertTo(out, CV_32FC3, 1.0 / 255.0);
    return {to_uint8(out), {{"angle", std::to_string(angle)}}, false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_motion_blur() {
  return roz::imagenet_c::corruption_descriptor<MotionBlur>(
      "motion_blur",
      "ImageNet-C motion blur (radius 10-20 px, sigma 3-15; CIFAR-10-C radius 6-9, sigma 1-2.5), random angle",
      roz::imagenet_c::severity_only_params());
}

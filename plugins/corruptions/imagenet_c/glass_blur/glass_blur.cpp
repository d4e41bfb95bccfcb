// glass_blur (ImageNet-C): Gaussian blur, then every interior pixel swapped with a random neighbour
// up to max_delta away (bottom-right to top-left, `iterations` times), then blurred again.
#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/image_ops.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

struct GlassConstants {
  double sigma;
  int max_delta;
  int iterations;
};

class GlassBlur final : public roz::Corruption {
 public:
  explicit GlassBlur(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    using namespace roz::imagenet_c;
    static constexpr std::array<GlassConstants, 5> kImageNet = {
        {{0.7, 1, 2}, {0.9, 2, 1}, {1, 2, 3}, {1.1, 3, 2}, {1.5, 4, 2}}};
    static constexpr std::array<GlassConstants, 5> kCifar = {
        {{0.05, 1, 1}, {0.25, 1, 1}, {0.4, 1, 1}, {0.25, 1, 2}, {0.4, 1, 2}}};
    const GlassConstants& c = by_severity(params_, in.image, kImageNet, kCifar);
    cv::Mat shuffled = to_uint8(skimage_gaussian(to_unit_float(in.image), c.sigma));
    cv::RNG rng(in.seed);
    const int d = c.max_delta;
    for (int i = 0; i < c.iterations; ++i)
      for (int h = shuffled.rows - d; h > d; --h)
        for (int w = shuffled.cols - d; w > d; --w) {
          const int dx = rng.uniform(-d, d), dy = rng.uniform(-d, d);
          std::swap(shuffled.at<cv::Vec3b>(h, w), shuffled.at<cv::Vec3b>(h + dy, w + dx));
        }
    return {to_uint8(skimage_gaussian(to_unit_float(shuffled), c.sigma)), {}, false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_glass_blur() {
  return roz::imagenet_c::corruption_descriptor<GlassBlur>(
      "glass_blur", "ImageNet-C glass blur (sigma .7-1.5, pixel swaps up to 1-4 px; CIFAR-10-C sigma .05-.4, 1 px)",
      roz::imagenet_c::severity_only_params());
}

// snow (ImageNet-C): a layer of thresholded Gaussian noise, zoomed into flakes and streaked by a
// motion blur at a random angle in [-135, -45] degrees, added twice (once rotated by 180 degrees)
// to the image whitened towards 1.5 x its grey level. The reference streaks the flakes with
// ImageMagick's motion blur; this uses the same whole-pixel reimplementation as motion_blur.
#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/image_ops.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

struct SnowConstants {
  double mean, stddev, zoom, threshold;
  int blur_radius;
  double blur_sigma, image_weight;
};

class Snow final : public roz::Corruption {
 public:
  explicit Snow(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    using namespace roz::imagenet_c;
    static constexpr std::array<SnowConstants, 5> kImageNet = {{{0.1, 0.3, 3, 0.5, 10, 4, 0.8},
                                                                {0.2, 0.3, 2, 0.5, 12, 4, 0.7},
                                                                {0.55, 0.3, 4, 0.9, 12, 8, 0.7},
                                                                {0.55, 0.3, 4.5, 0.85, 12, 8, 0.65},
                                                                {0.55, 0.3, 2.5, 0.85, 12, 12, 0.55}}};
    static constexpr std::array<SnowConstants, 5> kCifar = {{{0.1, 0.2, 1, 0.6, 8, 3, 0.95},
                                                             {0.1, 0.2, 1, 0.5, 10, 4, 0.9},
                                                             {0.15, 0.3, 1.75, 0.55, 10, 4, 0.9},
                                                             {0.25, 0.3, 2.25, 0.6, 12, 6, 0.85},
                                                             {0.3, 0.3, 1.25, 0.65, 14, 12, 0.8}}};
    const SnowConstants& c = by_severity(params_, in.image, kImageNet, kCifar);
    cv::RNG rng(in.seed);
    const cv::Mat x = to_unit_float(in.image);
    cv::Mat layer = normal_field(x.rows, x.cols, c.mean, c.stddev, rng, CV_32F);
    layer = clipped_zoom(layer, c.zoom);
    layer.setTo(0, layer < c.threshold);
    layer = cv::min(layer, 1.0);
    const double angle = rng.uniform(-135.0, -45.0);
    layer = motion_blur(layer, c.blur_radius, c.blur_sigma, angle);
    for (auto it = layer.begin<float>(); it != layer.end<float>(); ++it) *it = std::nearbyint(*it * 255.0f) / 255.0f;
    cv::Mat flipped;
    cv::flip(layer, flipped, -1);  // np.rot90(k=2)
    cv::Mat flakes = layer + flipped;

    cv::Mat out(x.size(), CV_32FC3);
    for (int r = 0; r < x.rows; ++r) {
      const auto* px = x.ptr<cv::Vec3f>(r);
      const float* f = flakes.ptr<float>(r);
      auto* o = out.ptr<cv::Vec3f>(r);
      for (int col = 0; col < x.cols; ++col) {
        const float grey = 0.299f * px[col][0] + 0.587f * px[col][1] + 0.114f * px[col][2];  // cv2 RGB2GRAY
        const float whitened = grey * 1.5f + 0.5f;
        for (int k = 0; k < 3; ++k) {
          const auto w = static_cast<float>(c.image_weight);
          o[col][k] = w * px[col][k] + (1 - w) * std::max(px[col][k], whitened) + f[col];
        }
      }
    }
    return {to_uint8(out), {{"angle", std::to_string(angle)}}, false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_snow() {
  return roz::imagenet_c::corruption_descriptor<Snow>(
      "snow", "ImageNet-C snow (flakes of thresholded noise, motion-blurred; CIFAR-10-C constants for small images)",
      roz::imagenet_c::severity_only_params());
}

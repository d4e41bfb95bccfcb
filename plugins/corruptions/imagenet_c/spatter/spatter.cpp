// spatter (ImageNet-C extra): a blob layer from thresholded, smoothed Gaussian noise. Severities 1-3
// splash water: pale turquoise added where the blobs' edge-distance relief is high. Severities 4-5
// splash mud: the blobs, softened, replace the image with mud brown.
#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/image_ops.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

struct SpatterConstants {
  double mean, stddev, sigma, threshold, strength;  // strength: water intensity, or the mud's softening sigma
  bool mud;
};

// Water: the relief of the blobs' distance to their edges, scaled to `strength` at its maximum.
cv::Mat water_mask(const cv::Mat& liquid, double strength) {
  const cv::Mat liquid8 = roz::imagenet_c::truncate_to_uint8(liquid * 255.0);
  cv::Mat edges, dist, truncated;
  cv::Canny(liquid8, edges, 50, 150);
  cv::distanceTransform(255 - edges, dist, cv::DIST_L2, 5);
  cv::threshold(dist, truncated, 20, 20, cv::THRESH_TRUNC);
  cv::Mat blurred;
  cv::blur(truncated, blurred, cv::Size(3, 3));
  cv::Mat dist8 = roz::imagenet_c::truncate_to_uint8(blurred);
  cv::equalizeHist(dist8, dist8);
  const cv::Mat emboss = (cv::Mat_<float>(3, 3) << -2, -1, 0, -1, 1, 1, 0, 1, 2);
  cv::filter2D(dist8, dist8, CV_8U, emboss);
  cv::Mat relief;
  dist8.convertTo(relief, CV_32F);
  cv::blur(relief, relief, cv::Size(3, 3));
  cv::Mat liquid_values, mask;
  liquid8.convertTo(liquid_values, CV_32F);
  mask = liquid_values.mul(relief);
  double max_value = 0;
  cv::minMaxLoc(mask, nullptr, &max_value);
  return max_value > 0 ? mask * (strength / max_value) : cv::Mat::zeros(mask.size(), CV_32F);
}

class Spatter final : public roz::Corruption {
 public:
  explicit Spatter(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    using namespace roz::imagenet_c;
    static constexpr std::array<SpatterConstants, 5> kImageNet = {{{0.65, 0.3, 4, 0.69, 0.6, false},
                                                                   {0.65, 0.3, 3, 0.68, 0.6, false},
                                                                   {0.65, 0.3, 2, 0.68, 0.5, false},
                                                                   {0.65, 0.3, 1, 0.65, 1.5, true},
                                                                   {0.67, 0.4, 1, 0.65, 1.5, true}}};
    static constexpr std::array<SpatterConstants, 5> kCifar = {{{0.62, 0.1, 0.7, 0.7, 0.5, false},
                                                                {0.65, 0.1, 0.8, 0.7, 0.5, false},
                                                                {0.65, 0.3, 1, 0.69, 0.5, false},
                                                                {0.65, 0.1, 0.7, 0.69, 0.6, true},
                                                                {0.65, 0.1, 0.5, 0.68, 0.6, true}}};
    const SpatterConstants& c = by_severity(params_, in.image, kImageNet, kCifar);
    cv::RNG rng(in.seed);
    cv::Mat x = to_unit_float(in.image);
    cv::Mat liquid = skimage_gaussian(normal_field(x.rows, x.cols, c.mean, c.stddev, rng), c.sigma);
    liquid.setTo(0, liquid < c.threshold);

    cv::Mat mask;
    cv::Vec3f colour;
    if (!c.mud) {
      mask = water_mask(liquid, c.strength);
      colour = cv::Vec3f(175, 238, 238) / 255.0f;  // pale turquoise, added
    } else {
      cv::Mat blobs;
      cv::Mat(liquid > c.threshold).convertTo(blobs, CV_32F, 1.0 / 255.0);
      mask = skimage_gaussian(blobs, c.strength);
      mask.setTo(0, mask < 0.8);
      colour = cv::Vec3f(63, 42, 20) / 255.0f;  // mud brown, replacing the image
    }
    for (int r = 0; r < x.rows; ++r) {
      auto* px = x.ptr<cv::Vec3f>(r);
      const float* m = mask.ptr<float>(r);
      for (int col = 0; col < x.cols; ++col) px[col] = (c.mud ? px[col] * (1 - m[col]) : px[col]) + colour * m[col];
    }
    return {to_uint8(x), {}, false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_spatter() {
  return roz::imagenet_c::corruption_descriptor<Spatter>(
      "spatter",
      "ImageNet-C spatter (water drops at severities 1-3, mud at 4-5; CIFAR-10-C constants for small images)",
      roz::imagenet_c::severity_only_params());
}

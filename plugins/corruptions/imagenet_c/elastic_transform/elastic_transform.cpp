// elastic_transform (ImageNet-C): every pixel displaced by a smoothed random field, bilinear sampling
// with reflected borders (scipy's map_coordinates, order 1, mode 'reflect'), following imagecorruptions'
// scale-free version: field uniform in +-0.5% of the height, smoothed by a Gaussian of 1% of each
// side, times alpha 12.5-30. At 32 px that field is unsmoothed pixel noise, and CIFAR-10-C's own
// version (random affine + elastic) moves pixels more at severity 1 than at 5 (PSNR 16.8 vs 20.8 dB on
// CIFAR images), so severity would not order the damage: small images are instead distorted at a
// 224 px short side (bicubic up) and scaled back (area).
#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/image_ops.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

// Half-sample symmetric reflection of an index into [0, n), as scipy's 'reflect' mode.
int reflect(int i, int n) {
  const int period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

// out(r, c) = image(r + dy(r, c), c + dx(r, c)), bilinear, borders reflected.
cv::Mat displace(const cv::Mat& image, const cv::Mat& dx, const cv::Mat& dy) {
  cv::Mat out(image.size(), image.type());
  for (int r = 0; r < image.rows; ++r) {
    const float* fx = dx.ptr<float>(r);
    const float* fy = dy.ptr<float>(r);
    auto* o = out.ptr<cv::Vec3f>(r);
    for (int c = 0; c < image.cols; ++c) {
      const double y = r + static_cast<double>(fy[c]), x = c + static_cast<double>(fx[c]);
      const int y0 = static_cast<int>(std::floor(y)), x0 = static_cast<int>(std::floor(x));
      const auto wy = static_cast<float>(y - y0), wx = static_cast<float>(x - x0);
      const auto& a = image.at<cv::Vec3f>(reflect(y0, image.rows), reflect(x0, image.cols));
      const auto& b = image.at<cv::Vec3f>(reflect(y0, image.rows), reflect(x0 + 1, image.cols));
      const auto& d = image.at<cv::Vec3f>(reflect(y0 + 1, image.rows), reflect(x0, image.cols));
      const auto& e = image.at<cv::Vec3f>(reflect(y0 + 1, image.rows), reflect(x0 + 1, image.cols));
      o[c] = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy;
    }
  }
  return out;
}

// A displacement field: uniform(-range, range) smoothed (reflect, truncate 3), times alpha.
cv::Mat field(cv::Size size, double range, double sigma_y, double sigma_x, double alpha, cv::RNG& rng) {
  cv::Mat noise = roz::imagenet_c::uniform_field(size.height, size.width, -range, range, rng);
  cv::Mat smooth = roz::imagenet_c::skimage_gaussian(noise, sigma_y, sigma_x, 3.0, cv::BORDER_REFLECT), out;
  smooth.convertTo(out, CV_32F, alpha);
  return out;
}

// imagecorruptions' field: uniform in +-0.5% of the height, smoothed by 1% of each side, times alpha.
cv::Mat distort(const cv::Mat& x, double alpha, cv::RNG& rng) {
  const double range = x.rows * 0.005;
  const cv::Mat dx = field(x.size(), range, x.rows * 0.01, x.cols * 0.01, alpha, rng);
  const cv::Mat dy = field(x.size(), range, x.rows * 0.01, x.cols * 0.01, alpha, rng);
  return displace(x, dx, dy);
}

// Small images are distorted at this short side and scaled back.
constexpr int kSmallImageScale = 224;

class ElasticTransform final : public roz::Corruption {
 public:
  explicit ElasticTransform(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    using namespace roz::imagenet_c;
    static constexpr std::array<double, 5> kAlpha = {250 * 0.05, 250 * 0.065, 250 * 0.085, 250 * 0.1, 250 * 0.12};
    const double alpha = kAlpha[static_cast<size_t>(params_.get_int("severity") - 1)];
    cv::RNG rng(in.seed);
    const int short_side = std::min(in.image.rows, in.image.cols);
    if (use_cifar_constants(params_.get_string("variant"), in.image) && short_side < kSmallImageScale) {
      cv::Mat large, distorted, out;
      const double up = static_cast<double>(kSmallImageScale) / short_side;
      cv::resize(to_unit_float(in.image), large, cv::Size(), up, up, cv::INTER_CUBIC);
      cv::resize(distort(large, alpha, rng), out, in.image.size(), 0, 0, cv::INTER_AREA);
      return {to_uint8(out), {}, false};
    }
    return {to_uint8(distort(to_unit_float(in.image), alpha, rng)), {}, false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_elastic_transform() {
  return roz::imagenet_c::corruption_descriptor<ElasticTransform>(
      "elastic_transform",
      "ImageNet-C elastic transform (smoothed random displacement; CIFAR-10-C affine + elastic for small images)",
      roz::imagenet_c::severity_only_params());
}

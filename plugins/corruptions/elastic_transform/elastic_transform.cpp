// elastic_transform (ImageNet-C): every pixel displaced by a smoothed random field, bilinear sampling
// with reflected borders (scipy's map_coordinates, order 1, mode 'reflect').
// Full-size images follow imagecorruptions' scale-free version: field uniform in +-0.5% of the height,
// smoothed by a Gaussian of 1% of each side, times alpha 12.5-30. Small images follow CIFAR-10-C: a
// random affine warp (corners moved by up to 3-8% of the side), then a field uniform in [-1, 1]
// smoothed by 0-20% of the side times 0-10% of the side, with the side the image's shorter one.
#include "image_ops.hpp"
#include "imagenet_c.hpp"
#include "roz/plugin.hpp"

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
cv::Mat field(cv::Size size, double range, double sigma_y, double sigma_x, double alpha, std::mt19937_64& rng) {
  cv::Mat noise = roz::imagenet_c::random_field(size.height, size.width, std::uniform_real_distribution<double>(-range, range), rng);
  cv::Mat smooth = roz::imagenet_c::skimage_gaussian(noise, sigma_y, sigma_x, 3.0, cv::BORDER_REFLECT), out;
  smooth.convertTo(out, CV_32F, alpha);
  return out;
}

// CIFAR-10-C's random affine: three points around the centre moved by up to `range` pixels.
cv::Mat random_affine(const cv::Mat& image, double range, std::mt19937_64& rng) {
  const auto cy = static_cast<float>(image.rows / 2), cx = static_cast<float>(image.cols / 2);
  const auto side = static_cast<float>(std::min(image.rows, image.cols) / 3);
  // The reference lists (row, column) pairs and hands them to OpenCV as (x, y); kept as is.
  std::array<cv::Point2f, 3> from = {cv::Point2f(cy + side, cx + side), cv::Point2f(cy + side, cx - side),
                                     cv::Point2f(cy - side, cx - side)};
  std::array<cv::Point2f, 3> to = from;
  std::uniform_real_distribution<double> jitter(-range, range);
  for (auto& p : to) {
    p.x += static_cast<float>(jitter(rng));
    p.y += static_cast<float>(jitter(rng));
  }
  cv::Mat warped;
  cv::warpAffine(image, warped, cv::getAffineTransform(from.data(), to.data()), image.size(), cv::INTER_LINEAR,
                 cv::BORDER_REFLECT_101);
  return warped;
}

class ElasticTransform final : public roz::Corruption {
 public:
  explicit ElasticTransform(const roz::Params& p) : params_(p) {}
  roz::CorruptionOutput apply(const roz::CorruptionInput& in) const override {
    using namespace roz::imagenet_c;
    std::mt19937_64 rng(in.seed);
    cv::Mat x = to_unit_float(in.image);
    const auto s = static_cast<size_t>(params_.get_int("severity") - 1);
    if (use_cifar_constants(params_.get_string("variant"), in.image)) {
      // (alpha, sigma, affine range) as fractions of the side
      static constexpr std::array<std::array<double, 3>, 5> kCifar = {
          {{0, 0, 0.08}, {0.05, 0.2, 0.07}, {0.08, 0.06, 0.06}, {0.1, 0.04, 0.05}, {0.1, 0.03, 0.03}}};
      const double side = std::min(x.rows, x.cols);
      const auto& c = kCifar[s];
      x = random_affine(x, side * c[2], rng);
      const cv::Mat dx = field(x.size(), 1.0, side * c[1], side * c[1], side * c[0], rng);
      const cv::Mat dy = field(x.size(), 1.0, side * c[1], side * c[1], side * c[0], rng);
      return {to_uint8(displace(x, dx, dy)), {}, false};
    }
    static constexpr std::array<double, 5> kAlpha = {250 * 0.05, 250 * 0.065, 250 * 0.085, 250 * 0.1, 250 * 0.12};
    const double range = x.rows * 0.005;
    const cv::Mat dx = field(x.size(), range, x.rows * 0.01, x.cols * 0.01, kAlpha[s], rng);
    const cv::Mat dy = field(x.size(), range, x.rows * 0.01, x.cols * 0.01, kAlpha[s], rng);
    return {to_uint8(displace(x, dx, dy)), {}, false};
  }

 private:
  roz::Params params_;
};

roz::PluginDescriptor describe() {
  return roz::imagenet_c::corruption_descriptor<ElasticTransform>(
      "elastic_transform",
      "ImageNet-C elastic transform (smoothed random displacement; CIFAR-10-C affine + elastic for small images)",
      roz::imagenet_c::severity_only_params());
}

}  // namespace

ROZ_PLUGIN(describe)

// fog (ImageNet-C): a diamond-square plasma fractal (power-of-two map covering the image, roughness
// decaying by `decay` per level) added with weight `strength`, rescaled by max / (max + strength).
// The fractal's random offsets come from the sample's seed.
#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/image_ops.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

// The diamond-square height map of the reference (side a power of two, wrapping at the edges),
// normalised to [0,1]. Each level draws its offsets in the reference's order: square centres, then
// the points between horizontal neighbours, then between vertical ones, row-major.
cv::Mat plasma_fractal(int size, double decay, cv::RNG& rng) {
  cv::Mat map(size, size, CV_64F, cv::Scalar(0));
  double wibble = 100;
  auto wrap = [size](int i) { return i >= size ? i - size : (i < 0 ? i + size : i); };
  auto at = [&](int r, int c) -> double& { return map.at<double>(wrap(r), wrap(c)); };
  auto offset = [&](double sum) { return sum / 4 + wibble * rng.uniform(-wibble, wibble); };
  std::vector<double> horizontal, vertical;
  for (int step = size; step >= 2; step /= 2, wibble /= decay) {
    const int half = step / 2, cells = size / step;
    for (int r = 0; r < size; r += step)
      for (int c = 0; c < size; c += step)
        at(r + half, c + half) = offset(at(r, c) + at(r + step, c) + at(r, c + step) + at(r + step, c + step));
    // Edge midpoints: between horizontal neighbours (centres above and below), then between vertical
    // ones (centres left and right); all drawn before any is written, as the reference does.
    horizontal.clear();
    vertical.clear();
    for (int r = 0; r < size; r += step)
      for (int c = 0; c < size; c += step)
        horizontal.push_back(offset(at(r + half, c + half) + at(r - half, c + half) + at(r, c) + at(r, c + step)));
    for (int r = 0; r < size; r += step)
      for (int c = 0; c < size; c += step)
        vertical.push_back(offset(at(r + half, c + half) + at(r + half, c - half) + at(r, c) + at(r + step, c)));
    for (int i = 0, n = 0; i < cells; ++i)
      for (int j = 0; j < cells; ++j, ++n) {
        at(i * step, j * step + half) = horizontal[static_cast<size_t>(n)];
        at(i * step + half, j * step) = vertical[static_cast<size_t>(n)];
      }
  }
  double lo = 0, hi = 0;
  cv::minMaxLoc(map, &lo, &hi);
  map -= lo;
  return map / (hi - lo);
}

int next_power_of_two(int n) {
  int p = 1;
  while (p < n) p *= 2;
  return p;
}

class Fog final : public roz::Corruption {
 public:
  explicit Fog(const roz::Params& p) : params_(p) {}

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    using namespace roz::imagenet_c;
    static constexpr std::array<std::array<double, 2>, 5> kImageNet = {
        {{1.5, 2}, {2, 2}, {2.5, 1.7}, {2.5, 1.5}, {3, 1.4}}};
    static constexpr std::array<std::array<double, 2>, 5> kCifar = {
        {{.2, 3}, {.5, 3}, {.75, 2.5}, {1, 2}, {1.5, 1.75}}};
    const auto& [strength, decay] = by_severity(params_, in.image, kImageNet, kCifar);
    cv::RNG rng(in.seed);
    cv::Mat x = to_unit(in.image);
    double max_value = 0;
    cv::minMaxLoc(x.reshape(1), nullptr, &max_value);
    const cv::Mat fractal = plasma_fractal(next_power_of_two(std::max(x.rows, x.cols)), decay, rng);
    for (int r = 0; r < x.rows; ++r) {
      auto* px = x.ptr<cv::Vec3d>(r);
      const auto* f = fractal.ptr<double>(r);
      for (int c = 0; c < x.cols; ++c)
        px[c] = (px[c] + cv::Vec3d::all(strength * f[c])) * (max_value / (max_value + strength));
    }
    return {to_uint8(x), {}, false};
  }

  roz::Params params_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_fog() {
  return roz::imagenet_c::corruption_descriptor<Fog>(
      "fog", "ImageNet-C fog (plasma fractal, strength 1.5-3; CIFAR-10-C .2-1.5)",
      roz::imagenet_c::severity_only_params());
}

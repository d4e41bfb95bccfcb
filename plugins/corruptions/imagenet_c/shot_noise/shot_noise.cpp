// shot_noise (ImageNet-C): Poisson(x * rate) / rate per value: photon noise, stronger at lower rates.
// The values are k / 255 for the image's 8-bit k, so each distinct k gets one table of its Poisson
// distribution and every draw is an inversion (one uniform, a binary search): exact, and fast.
#include <cmath>
#include <random>

#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

// Beyond this mean, exp(-mean) nears the double's range: draw with the standard library instead.
constexpr double kMaxTableMean = 600;

// Cumulative probabilities P(N <= n) of Poisson(mean), until the terms fall below 1e-17 past the mean.
std::vector<double> poisson_cdf(double mean) {
  std::vector<double> cdf;
  double p = std::exp(-mean), total = 0;
  for (int n = 0;; ++n) {
    if (n > 0) p *= mean / n;
    total += p;
    cdf.push_back(total);
    if (n > mean && p < 1e-17) break;
  }
  return cdf;
}

void add_shot_noise(cv::Mat& x, double rate, cv::RNG& rng) {
  auto* v = x.ptr<double>();
  const size_t n = x.total();
  if (rate > kMaxTableMean) {
    std::mt19937_64 engine(rng.next());
    for (size_t i = 0; i < n; ++i)
      v[i] = v[i] > 0 ? static_cast<double>(std::poisson_distribution<long long>(v[i] * rate)(engine)) / rate : 0.0;
    return;
  }
  std::array<std::vector<double>, 256> tables;
  for (size_t i = 0; i < n; ++i) {
    const auto k = static_cast<size_t>(std::lround(v[i] * 255.0));
    if (tables[k].empty()) tables[k] = poisson_cdf(static_cast<double>(k) / 255.0 * rate);
    const std::vector<double>& cdf = tables[k];
    const double u = rng.uniform(0.0, 1.0);
    const auto count = std::min<size_t>(static_cast<size_t>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin()),
                                        cdf.size() - 1);
    v[i] = static_cast<double>(count) / rate;
  }
}

}  // namespace

roz::PluginDescriptor roz::builtin::describe_shot_noise() {
  return roz::imagenet_c::per_value_corruption(
      "shot_noise", "ImageNet-C shot (Poisson) noise (rate 60-3; CIFAR-10-C 500-50), or any rate",
      {"rate", {60, 25, 12, 5, 3}, {500, 250, 100, 75, 50}}, 0.01, 1e6, "photons per unit intensity", add_shot_noise);
}

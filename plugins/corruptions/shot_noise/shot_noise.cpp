// shot_noise (ImageNet-C): Poisson(x * rate) / rate per value: photon noise, stronger at lower rates.
#include <random>

#include "imagenet_c.hpp"
#include "roz/plugin.hpp"

namespace {

roz::PluginDescriptor describe() {
  return roz::imagenet_c::per_value_corruption(
      "shot_noise", "ImageNet-C shot (Poisson) noise (rate 60-3; CIFAR-10-C 500-50), or any rate",
      {"rate", {60, 25, 12, 5, 3}, {500, 250, 100, 75, 50}}, 0.01, 1e6, "photons per unit intensity",
      [](double x, double rate, std::mt19937_64& rng) {
        return x > 0 ? static_cast<double>(std::poisson_distribution<long long>(x * rate)(rng)) / rate : 0.0;
      });
}

}  // namespace

ROZ_PLUGIN(describe)

// speckle_noise (ImageNet-C extra): x + x * N(0, sigma^2) per value: multiplicative noise.
#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/image_ops.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

roz::PluginDescriptor roz::builtin::describe_speckle_noise() {
  return roz::imagenet_c::per_value_corruption(
      "speckle_noise", "ImageNet-C speckle (multiplicative) noise (sigma .15-.6; CIFAR-10-C .06-.2), or any sigma",
      {"sigma", {.15, .2, .35, .45, .6}, {.06, .1, .12, .16, .2}}, 0, 10, "relative noise standard deviation",
      [](cv::Mat& x, double sigma, cv::RNG& rng) {
        x += x.mul(roz::imagenet_c::normal_field(x.rows, x.cols, 0.0, sigma, rng));
      });
}

// gaussian_noise (ImageNet-C): x + N(0, sigma^2) per value, in [0,1] units.
#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/image_ops.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

roz::PluginDescriptor roz::builtin::describe_gaussian_noise() {
  return roz::imagenet_c::per_value_corruption(
      "gaussian_noise", "ImageNet-C Gaussian noise (sigma .08-.38; CIFAR-10-C .04-.10), or any sigma",
      {"sigma", {.08, .12, .18, .26, .38}, {.04, .06, .08, .09, .10}}, 0, 10, "noise standard deviation in [0,1] units",
      [](cv::Mat& x, double sigma, cv::RNG& rng) {
        x += roz::imagenet_c::normal_field(x.rows, x.cols, 0.0, sigma, rng);
      });
}

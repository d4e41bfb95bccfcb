// impulse_noise (ImageNet-C): salt-and-pepper on a fraction `amount` of the values (each channel
// value independently, half set to 1, half to 0), as skimage.util.random_noise(mode='s&p').
#include "imagenet_c_library.hpp"
#include "roz/support/corruptions/image_ops.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

roz::PluginDescriptor roz::builtin::describe_impulse_noise() {
  return roz::imagenet_c::per_value_corruption(
      "impulse_noise", "ImageNet-C impulse (salt-and-pepper) noise (amount .03-.27; CIFAR-10-C .01-.07), or any amount",
      {"amount", {.03, .06, .09, .17, .27}, {.01, .02, .03, .05, .07}}, 0, 1, "fraction of values replaced",
      [](cv::Mat& x, double amount, cv::RNG& rng) {
        const cv::Mat flipped = roz::imagenet_c::uniform_field(x.rows, x.cols, 0.0, 1.0, rng) <= amount;
        const cv::Mat salt = roz::imagenet_c::uniform_field(x.rows, x.cols, 0.0, 1.0, rng) <= 0.5;
        x.setTo(1.0, flipped & salt);
        x.setTo(0.0, flipped & ~salt);
      });
}

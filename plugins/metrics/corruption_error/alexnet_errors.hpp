// AlexNet's top-1 error (fraction) on ImageNet-C, per corruption, the mean over severities 1-5: the
// normaliser of ImageNet-C's CE. Copied from google-research/augmix imagenet.py, ALEXNET_ERR ("taken
// from hendrycks/robustness"; Apache-2.0), via /work/shared/data/imagenet-meta/imagenet_c_alexnet_errors.json.
// The 4 extra ImageNet-C corruptions (speckle_noise, gaussian_blur, spatter, saturate) have no entry.
#pragma once

#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace corruption_error {

inline constexpr std::array<std::pair<std::string_view, double>, 15> kAlexNetErrors = {{
    {"gaussian_noise", 0.886428},
    {"shot_noise", 0.894468},
    {"impulse_noise", 0.92264},
    {"defocus_blur", 0.81988},
    {"glass_blur", 0.826268},
    {"motion_blur", 0.785948},
    {"zoom_blur", 0.79836},
    {"snow", 0.866816},
    {"frost", 0.826572},
    {"fog", 0.819324},
    {"brightness", 0.564592},
    {"contrast", 0.853204},
    {"elastic_transform", 0.646056},
    {"pixelate", 0.71784},
    {"jpeg_compression", 0.6065},
}};

inline std::optional<double> alexnet_error(std::string_view corruption) {
  for (const auto& [name, error] : kAlexNetErrors)
    if (name == corruption) return error;
  return std::nullopt;
}

}  // namespace corruption_error

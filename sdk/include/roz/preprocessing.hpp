// How a model's input is made from a decoded RGB image: torchvision's Resize(resize, interpolation)
// of a PIL image followed by CenterCrop(resolution), the pipeline OpenAI CLIP, open_clip and
// torchvision classifiers evaluate with. The host reproduces it bit for bit (docs/models.md,
// "Preprocessing"):
//
//   roz::Preprocessing clip;                        // 224: shorter side to 224 (bicubic), crop 224
//   roz::Preprocessing resnet{.resolution = 224, .resize = 256,
//                             .interpolation = roz::Interpolation::bilinear};  // torchvision's
//
// Plain data, no LibTorch.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#pragma GCC visibility push(default)

namespace roz {

// PIL's resampling filters as Image.resize applies them: the kernel widened by the scale when
// shrinking (antialiased), bicubic with a = -0.5.
enum class Interpolation { bicubic, bilinear };

std::string_view to_string(Interpolation interpolation);
std::optional<Interpolation> parse_interpolation(std::string_view name);

struct Preprocessing {
  std::int64_t resolution = 224;  // square model input: the centre crop's side
  // The shorter side is resized to this before the crop; 0 means `resolution` (CLIP, open_clip).
  // torchvision's ImageNet classifiers use 256 at 224, timm's floor(resolution / crop_pct).
  std::int64_t resize = 0;
  Interpolation interpolation = Interpolation::bicubic;
  std::array<double, 3> mean{0.48145466, 0.4578275, 0.40821073};
  std::array<double, 3> std{0.26862954, 0.26130258, 0.27577711};

  std::int64_t shorter_side() const { return resize > 0 ? resize : resolution; }
};

}  // namespace roz

#pragma GCC visibility pop

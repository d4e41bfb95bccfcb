#include "imagenet_c_library.hpp"

namespace {

std::vector<roz::PluginDescriptor> describe_all() {
  return {roz::builtin::describe_brightness(),
          roz::builtin::describe_contrast(),
          roz::builtin::describe_defocus_blur(),
          roz::builtin::describe_elastic_transform(),
          roz::builtin::describe_fog(),
          roz::builtin::describe_frost(),
          roz::builtin::describe_gaussian_blur(),
          roz::builtin::describe_gaussian_noise(),
          roz::builtin::describe_glass_blur(),
          roz::builtin::describe_impulse_noise(),
          roz::builtin::describe_jpeg_compression(),
          roz::builtin::describe_motion_blur(),
          roz::builtin::describe_pixelate(),
          roz::builtin::describe_saturate(),
          roz::builtin::describe_shot_noise(),
          roz::builtin::describe_snow(),
          roz::builtin::describe_spatter(),
          roz::builtin::describe_speckle_noise(),
          roz::builtin::describe_zoom_blur()};
}

}  // namespace

ROZ_PLUGINS(describe_all)

// The 19 ImageNet-C corruptions (Hendrycks & Dietterich 2019): the 15 benchmark ones and the 4 held-out extras.
// One shared library, imagenet_c.so; each plugin's folder defines its descriptor function.
#pragma once

#include "roz/plugin.hpp"

namespace roz::builtin {

PluginDescriptor describe_brightness();
PluginDescriptor describe_contrast();
PluginDescriptor describe_defocus_blur();
PluginDescriptor describe_elastic_transform();
PluginDescriptor describe_fog();
PluginDescriptor describe_frost();
PluginDescriptor describe_gaussian_blur();
PluginDescriptor describe_gaussian_noise();
PluginDescriptor describe_glass_blur();
PluginDescriptor describe_impulse_noise();
PluginDescriptor describe_jpeg_compression();
PluginDescriptor describe_motion_blur();
PluginDescriptor describe_pixelate();
PluginDescriptor describe_saturate();
PluginDescriptor describe_shot_noise();
PluginDescriptor describe_snow();
PluginDescriptor describe_spatter();
PluginDescriptor describe_speckle_noise();
PluginDescriptor describe_zoom_blur();

}  // namespace roz::builtin

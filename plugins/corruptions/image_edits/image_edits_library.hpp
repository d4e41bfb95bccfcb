// Editing perturbations (crop, resize, rotation, their composition) and typographic attacks.
// One shared library, image_edits.so; each plugin's folder defines its descriptor function.
#pragma once

#include "roz/plugin.hpp"

namespace roz::builtin {

PluginDescriptor describe_compose();
PluginDescriptor describe_crop();
PluginDescriptor describe_resize();
PluginDescriptor describe_rotation();
PluginDescriptor describe_typographic();

}  // namespace roz::builtin

// Black-box image attacks: score-based (Square, NES, SPSA) and transfer from a source model.
// One shared library, black_box_attacks.so; each plugin's folder defines its descriptor function.
#pragma once

#include "roz/plugin.hpp"

namespace roz::builtin {

PluginDescriptor describe_nes();
PluginDescriptor describe_spsa();
PluginDescriptor describe_square();
PluginDescriptor describe_transfer();

}  // namespace roz::builtin

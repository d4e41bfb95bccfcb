// Gradient (white-box) image attacks: FGSM, BIM, PGD, MI-FGSM, DI-FGSM, APGD-CE/DLR, C&W-L2, DeepFool, FAB, AutoAttack,
// minimum-eps search. One shared library, white_box_attacks.so; each plugin's folder defines its descriptor function.
#pragma once

#include "roz/plugin.hpp"

namespace roz::builtin {

PluginDescriptor describe_apgd_ce();
PluginDescriptor describe_apgd_dlr();
PluginDescriptor describe_autoattack();
PluginDescriptor describe_bim();
PluginDescriptor describe_cw_l2();
PluginDescriptor describe_deepfool();
PluginDescriptor describe_dim();
PluginDescriptor describe_fab();
PluginDescriptor describe_fgsm();
PluginDescriptor describe_mim();
PluginDescriptor describe_min_eps();
PluginDescriptor describe_pgd();

}  // namespace roz::builtin

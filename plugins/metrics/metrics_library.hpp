// The built-in metrics: every number a run reports.
// One shared library, metrics.so; each plugin's folder defines its descriptor function.
#pragma once

#include "roz/plugin.hpp"

namespace roz::builtin {

PluginDescriptor describe_accuracy();
PluginDescriptor describe_anchor_accuracy();
PluginDescriptor describe_attack_success();
PluginDescriptor describe_calibration();
PluginDescriptor describe_corruption_error();
PluginDescriptor describe_effective_robustness();
PluginDescriptor describe_embedding_stability();
PluginDescriptor describe_ood_detection();

}  // namespace roz::builtin

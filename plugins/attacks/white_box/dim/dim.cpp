// DI-FGSM (Xie et al. 2019): iterative steps on gradients at randomly resized and padded inputs.
#include "roz/support/attacks/attack_plugin.hpp"
#include "roz/support/attacks/iterative_attack.hpp"
#include "white_box_attacks_library.hpp"

roz::PluginDescriptor roz::builtin::describe_dim() {
  roz::attacks::IterativeOptions defaults;
  defaults.diversity_prob = 0.5;
  return roz::attacks::function_attack<roz::attacks::IterativeOptions>(
      "dim", "DI-FGSM: iterative steps on gradients at randomly resized and padded inputs",
      roz::attacks::iterative_params(defaults), roz::attacks::iterative_options, roz::attacks::iterative_attack);
}

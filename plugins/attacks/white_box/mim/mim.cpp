// MI-FGSM (Dong et al. 2018): iterative steps on an accumulated momentum of L1-normalised gradients.
#include "roz/support/attacks/attack_plugin.hpp"
#include "roz/support/attacks/iterative_attack.hpp"
#include "white_box_attacks_library.hpp"

roz::PluginDescriptor roz::builtin::describe_mim() {
  roz::attacks::IterativeOptions defaults;
  defaults.momentum = 1.0;
  return roz::attacks::function_attack<roz::attacks::IterativeOptions>(
      "mim", "MI-FGSM: iterative steps along an accumulated momentum of normalised gradients",
      roz::attacks::iterative_params(defaults), roz::attacks::iterative_options, roz::attacks::iterative_attack);
}

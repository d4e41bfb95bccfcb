// FAB (Croce & Hein 2020): minimal adversarial perturbations by projections onto the linearised
// decision boundary; targeted=true is FAB-T. See common/fab.hpp.
#include "roz/support/attacks/fab.hpp"
#include "roz/support/attacks/attack_plugin.hpp"
#include "white_box_attacks_library.hpp"

roz::PluginDescriptor roz::builtin::describe_fab() {
  return roz::attacks::function_attack<roz::attacks::FabOptions>(
      "fab", "FAB: minimal perturbations by projections onto the linearised boundary (targeted: FAB-T)",
      roz::attacks::fab_params({}), roz::attacks::fab_options, roz::attacks::fab_attack);
}

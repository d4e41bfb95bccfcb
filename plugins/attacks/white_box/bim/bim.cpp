// BIM / I-FGSM (Kurakin et al. 2017): projected gradient steps from the clean image.
#include "roz/support/attacks/attack_plugin.hpp"
#include "roz/support/attacks/iterative_attack.hpp"
#include "white_box_attacks_library.hpp"

roz::PluginDescriptor roz::builtin::describe_bim() {
  roz::attacks::IterativeOptions defaults;
  return roz::attacks::function_attack<roz::attacks::IterativeOptions>(
      "bim", "BIM / I-FGSM: projected gradient steps from the clean image (L-inf or L2)",
      roz::attacks::iterative_params(defaults), roz::attacks::iterative_options, roz::attacks::iterative_attack);
}

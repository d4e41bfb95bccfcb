// APGD-CE (Croce & Hein 2020): step-size-free PGD with momentum on the cross-entropy; targeted=true targets the top
// other classes.
#include "roz/support/attacks/apgd.hpp"
#include "roz/support/attacks/attack_plugin.hpp"
#include "white_box_attacks_library.hpp"

roz::PluginDescriptor roz::builtin::describe_apgd_ce() {
  return roz::attacks::function_attack<roz::attacks::ApgdOptions>(
      "apgd_ce",
      "APGD-CE (Croce & Hein 2020): step-size-free PGD with momentum on the cross-entropy; targeted=true targets the "
      "top other classes",
      roz::attacks::apgd_params({}),
      [](const roz::Params& p) {
        roz::attacks::ApgdOptions options = roz::attacks::apgd_options(p);
        options.loss = roz::attacks::Loss::ce;
        return options;
      },
      roz::attacks::apgd_attack);
}

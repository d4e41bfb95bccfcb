// APGD-DLR (Croce & Hein 2020): APGD on the scale-invariant difference-of-logits-ratio loss; targeted=true is APGD-T.
#include "roz/support/attacks/apgd.hpp"
#include "roz/support/attacks/attack_plugin.hpp"
#include "white_box_attacks_library.hpp"

roz::PluginDescriptor roz::builtin::describe_apgd_dlr() {
  return roz::attacks::function_attack<roz::attacks::ApgdOptions>(
      "apgd_dlr",
      "APGD-DLR (Croce & Hein 2020): APGD on the scale-invariant difference-of-logits-ratio loss; targeted=true is "
      "APGD-T",
      roz::attacks::apgd_params({}),
      [](const roz::Params& p) {
        roz::attacks::ApgdOptions options = roz::attacks::apgd_options(p);
        options.loss = roz::attacks::Loss::dlr;
        return options;
      },
      roz::attacks::apgd_attack);
}

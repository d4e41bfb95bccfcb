// APGD-CE (Croce & Hein 2020): step-size-free PGD with momentum on the cross-entropy; targeted=true targets the top
// other classes.
#include "roz/support/attacks/apgd.hpp"
#include "roz/support/attacks/attack_plugin.hpp"
#include "roz/plugin.hpp"

namespace {

roz::PluginDescriptor describe() {
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

}  // namespace

ROZ_PLUGIN(describe)

// FAB (Croce & Hein 2020): minimal adversarial perturbations by projections onto the linearised
// decision boundary; targeted=true is FAB-T. See common/fab.hpp.
#include "fab.hpp"
#include "roz/plugin.hpp"

namespace {

class Fab final : public roz::Attack {
 public:
  Fab(const roz::Params& params, const roz::PluginContext& context)
      : options_(roz::attacks::fab_options(params)), context_(context) {}
  roz::AttackResult perturb(roz::Classifier& target, const roz::AttackBatch& batch) override {
    return roz::attacks::fab_attack(target, batch, options_, context_, "fab");
  }

 private:
  roz::attacks::FabOptions options_;
  roz::PluginContext context_;
};

roz::PluginDescriptor describe() {
  return {.name = "fab",
          .kind = roz::PluginKind::attack,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "FAB: minimal perturbations by projections onto the linearised boundary (targeted: FAB-T)",
          .params = roz::attacks::fab_params({}),
          .capabilities = roz::kNeedsGradients,
          .create = roz::factory<Fab>()};
}

}  // namespace

ROZ_PLUGIN(describe)

// MI-FGSM (Dong et al. 2018): iterative steps on an accumulated momentum of L1-normalised gradients.
#include "iterative_attack.hpp"
#include "roz/plugin.hpp"

namespace {

class Mim final : public roz::Attack {
 public:
  Mim(const roz::Params& params, const roz::PluginContext& context)
      : options_(roz::attacks::iterative_options(params)), context_(context) {}
  roz::AttackResult perturb(roz::Classifier& target, const roz::AttackBatch& batch) override {
    return roz::attacks::iterative_attack(target, batch, options_, context_, "mim");
  }

 private:
  roz::attacks::IterativeOptions options_;
  roz::PluginContext context_;
};

roz::PluginDescriptor describe() {
  roz::attacks::IterativeOptions defaults;
  defaults.momentum = 1.0;
  return {.name = "mim",
          .kind = roz::PluginKind::attack,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "MI-FGSM: iterative steps along an accumulated momentum of normalised gradients",
          .params = roz::attacks::iterative_params(defaults),
          .capabilities = roz::kNeedsGradients,
          .create = roz::factory<Mim>()};
}

}  // namespace

ROZ_PLUGIN(describe)

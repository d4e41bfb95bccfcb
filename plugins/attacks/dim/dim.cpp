// DI-FGSM (Xie et al. 2019): iterative steps on gradients at randomly resized and padded inputs.
#include "iterative_attack.hpp"
#include "roz/plugin.hpp"

namespace {

class Dim final : public roz::Attack {
 public:
  Dim(const roz::Params& params, const roz::PluginContext& context)
      : options_(roz::attacks::iterative_options(params)), context_(context) {}
  roz::AttackResult perturb(roz::Classifier& target, const roz::AttackBatch& batch) override {
    return roz::attacks::iterative_attack(target, batch, options_, context_, "dim");
  }

 private:
  roz::attacks::IterativeOptions options_;
  roz::PluginContext context_;
};

roz::PluginDescriptor describe() {
  roz::attacks::IterativeOptions defaults;
  defaults.diversity_prob = 0.5;
  return {.name = "dim",
          .kind = roz::PluginKind::attack,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "DI-FGSM: iterative steps on gradients at randomly resized and padded inputs",
          .params = roz::attacks::iterative_params(defaults),
          .capabilities = roz::kNeedsGradients,
          .create = roz::factory<Dim>()};
}

}  // namespace

ROZ_PLUGIN(describe)

// BIM / I-FGSM (Kurakin et al. 2017): projected gradient steps from the clean image.
#include "iterative_attack.hpp"
#include "roz/plugin.hpp"

namespace {

class Bim final : public roz::Attack {
 public:
  Bim(const roz::Params& params, const roz::PluginContext& context)
      : options_(roz::attacks::iterative_options(params)), context_(context) {}
  roz::AttackResult perturb(roz::Classifier& target, const roz::AttackBatch& batch) override {
    return roz::attacks::iterative_attack(target, batch, options_, context_, "bim");
  }

 private:
  roz::attacks::IterativeOptions options_;
  roz::PluginContext context_;
};

roz::PluginDescriptor describe() {
  roz::attacks::IterativeOptions defaults;
  return {.name = "bim",
          .kind = roz::PluginKind::attack,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "BIM / I-FGSM: projected gradient steps from the clean image (L-inf or L2)",
          .params = roz::attacks::iterative_params(defaults),
          .capabilities = roz::kNeedsGradients,
          .create = roz::factory<Bim>()};
}

}  // namespace

ROZ_PLUGIN(describe)

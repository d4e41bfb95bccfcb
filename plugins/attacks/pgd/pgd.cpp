// PGD (Madry et al. 2018): projected gradient ascent from a random start in the eps-ball, with restarts.
#include "iterative_attack.hpp"
#include "roz/plugin.hpp"

namespace {

class Pgd final : public roz::Attack {
 public:
  Pgd(const roz::Params& params, const roz::PluginContext& context)
      : options_(roz::attacks::iterative_options(params)), context_(context) {}
  roz::AttackResult perturb(roz::Classifier& target, const roz::AttackBatch& batch) override {
    return roz::attacks::iterative_attack(target, batch, options_, context_, "pgd");
  }

 private:
  roz::attacks::IterativeOptions options_;
  roz::PluginContext context_;
};

roz::PluginDescriptor describe() {
  roz::attacks::IterativeOptions defaults;
  defaults.random_start = true;
  return {.name = "pgd",
          .kind = roz::PluginKind::attack,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "PGD: projected gradient ascent from a random start in the eps-ball, with restarts (L-inf or L2)",
          .params = roz::attacks::iterative_params(defaults),
          .capabilities = roz::kNeedsGradients,
          .create = roz::factory<Pgd>()};
}

}  // namespace

ROZ_PLUGIN(describe)

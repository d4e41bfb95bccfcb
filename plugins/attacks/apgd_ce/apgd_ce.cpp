// APGD-CE (Croce & Hein 2020): step-size-free PGD with momentum on the cross-entropy; targeted=true targets the top other classes.
#include "apgd.hpp"
#include "roz/plugin.hpp"

namespace {

class ApgdCe final : public roz::Attack {
 public:
  ApgdCe(const roz::Params& params, const roz::PluginContext& context)
      : options_(roz::attacks::apgd_options(params)), context_(context) {
    options_.loss = roz::attacks::Loss::ce;
  }
  roz::AttackResult perturb(roz::Classifier& target, const roz::AttackBatch& batch) override {
    return roz::attacks::apgd_attack(target, batch, options_, context_, "apgd_ce");
  }

 private:
  roz::attacks::ApgdOptions options_;
  roz::PluginContext context_;
};

roz::PluginDescriptor describe() {
  return {.name = "apgd_ce",
          .kind = roz::PluginKind::attack,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "APGD-CE (Croce & Hein 2020): step-size-free PGD with momentum on the cross-entropy; targeted=true targets the top other classes",
          .params = roz::attacks::apgd_params({}),
          .capabilities = roz::kNeedsGradients,
          .create = roz::factory<ApgdCe>()};
}

}  // namespace

ROZ_PLUGIN(describe)

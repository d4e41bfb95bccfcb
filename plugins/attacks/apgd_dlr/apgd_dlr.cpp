// APGD-DLR (Croce & Hein 2020): APGD on the scale-invariant difference-of-logits-ratio loss; targeted=true is APGD-T.
#include "apgd.hpp"
#include "roz/plugin.hpp"

namespace {

class ApgdDlr final : public roz::Attack {
 public:
  ApgdDlr(const roz::Params& params, const roz::PluginContext& context)
      : options_(roz::attacks::apgd_options(params)), context_(context) {
    options_.loss = roz::attacks::Loss::dlr;
  }
  roz::AttackResult perturb(roz::Classifier& target, const roz::AttackBatch& batch) override {
    return roz::attacks::apgd_attack(target, batch, options_, context_, "apgd_dlr");
  }

 private:
  roz::attacks::ApgdOptions options_;
  roz::PluginContext context_;
};

roz::PluginDescriptor describe() {
  return {.name = "apgd_dlr",
          .kind = roz::PluginKind::attack,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "APGD-DLR (Croce & Hein 2020): APGD on the scale-invariant difference-of-logits-ratio loss; targeted=true is APGD-T",
          .params = roz::attacks::apgd_params({}),
          .capabilities = roz::kNeedsGradients,
          .create = roz::factory<ApgdDlr>()};
}

}  // namespace

ROZ_PLUGIN(describe)

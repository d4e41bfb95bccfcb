// FGSM (Goodfellow et al. 2015): one signed-gradient step of size eps on the cross-entropy loss;
// the L2 variant steps along the normalised gradient instead.
#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include "roz/attack.hpp"
#include "white_box_attacks_library.hpp"

namespace {

class Fgsm final : public roz::Attack {
 public:
  Fgsm(const roz::Params& params, const roz::PluginContext& context)
      : Attack(roz::ThreatModel{params.get_string("norm") == "l2" ? roz::Norm::l2 : roz::Norm::linf,
                                params.get_real("eps")}),
        eps_(params.get_real("eps")),
        l2_(params.get_string("norm") == "l2"),
        context_(context) {}

 private:
  roz::AttackResult perturb_(roz::Classifier& target, const roz::AttackBatch& batch) override {
    at::Tensor x = batch.images.detach().clone().set_requires_grad(true);
    at::Tensor loss = at::cross_entropy_loss(target.logits(x), batch.labels, {}, at::Reduction::Sum);
    at::Tensor grad = torch::autograd::grad({loss}, {x})[0].detach();
    if (grad.abs().max().item<double>() == 0.0)
      context_.log(roz::LogLevel::warn, "fgsm: input gradient is zero for the whole batch (gradient masking?)");
    at::Tensor step;
    if (l2_) {
      at::Tensor norms = grad.flatten(1).norm(2, 1).clamp_min(1e-12).view({-1, 1, 1, 1});
      step = grad / norms;
    } else {
      step = grad.sign();
    }
    // Clamping to [0,1] never moves a pixel further from the original, so the result stays in the ball.
    at::Tensor adv = (batch.images + eps_ * step).clamp(0.0, 1.0).detach();
    return {adv, batch.images.size(0), batch.images.size(0)};  // one gradient (and forward) per point
  }

  double eps_;
  bool l2_;
  roz::PluginContext context_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_fgsm() {
  return {
      .name = "fgsm",
      .kind = roz::PluginKind::attack,
      .version = "1.0.0",
      .license = "Apache-2.0",
      .description = "Fast Gradient Sign Method: one gradient step of size eps (L-inf sign step or L2 normalised step)",
      .params = {roz::param::real("eps", 8.0 / 255.0, 0.0, 1.0, "perturbation budget in [0,1] pixel units"),
                 roz::param::choice("norm", "linf", {"linf", "l2"}, "threat model")},
      .capabilities = roz::kNeedsGradients,
      .create = roz::factory<Fgsm>(),
  };
}

// DeepFool (Moosavi-Dezfooli et al. 2016): linearises the classifier around the current point and
// steps to the nearest linearised decision boundary among the `candidates` classes scoring highest
// on the clean image, until the label changes; the total step is scaled by 1 + overshoot. L2, or
// L-inf (steps along sign(w), distances in the dual L1 norm). With eps > 0, adversarials beyond eps
// are dropped (the point stays clean).
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>

#include "roz/support/attacks/attack_ops.hpp"
#include "roz/support/attacks/attack_plugin.hpp"
#include "white_box_attacks_library.hpp"

namespace {

class DeepFool final : public roz::Attack {
 public:
  DeepFool(const roz::Params& p, const roz::PluginContext&)
      : steps_(static_cast<int>(p.get_int("steps"))),
        candidates_(static_cast<int>(p.get_int("candidates"))),
        overshoot_(p.get_real("overshoot")),
        norm_(roz::attacks::parse_norm(p.get_string("norm"))),
        eps_(p.get_real("eps")) {}

 private:
  roz::AttackResult perturb_(roz::Classifier& target, const roz::AttackBatch& batch) override {
    using namespace roz::attacks;
    return attack_correct_only(target, batch, [&](const roz::AttackBatch& b) {
      const at::Tensor x = b.images;
      const std::int64_t n = x.size(0);
      roz::AttackResult out{x.detach().clone(), 0, 0};
      at::Tensor classes;  // [n, k]: the label first, then the next highest clean scores
      {
        c10::NoGradGuard no_grad;
        const auto k = std::min<std::int64_t>(candidates_, target.num_classes());
        classes = std::get<1>(target.logits(x).topk(k, 1));
        out.queries += n;
      }
      at::Tensor total = at::zeros_like(x), adv = x.clone(), active = at::ones({n}, at::kBool).to(x.device());
      for (int step = 0; step < steps_ && active.any().item<bool>(); ++step) {
        at::Tensor input = adv.detach().set_requires_grad(true);
        at::Tensor logits = target.logits(input);
        at::Tensor chosen = logits.gather(1, classes);  // [n, k]
        std::vector<at::Tensor> grads;
        for (std::int64_t j = 0; j < chosen.size(1); ++j)
          grads.push_back(
              torch::autograd::grad({chosen.select(1, j).sum()}, {input}, {}, /*retain_graph=*/true)[0].detach());
        out.gradient_evaluations += n * chosen.size(1);
        active = active & logits.detach().argmax(1).eq(b.labels);
        at::Tensor best_distance = at::full({n}, std::numeric_limits<double>::infinity(), x.options());
        at::Tensor step_vec = at::zeros_like(x);
        for (std::int64_t j = 1; j < chosen.size(1); ++j) {
          at::Tensor w = grads[static_cast<size_t>(j)] - grads[0];
          at::Tensor f = (chosen.select(1, j) - chosen.select(1, 0)).detach().abs();
          at::Tensor dual = norm_ == Norm::l2 ? w.flatten(1).norm(2, 1) : w.flatten(1).abs().sum(1);
          at::Tensor distance = (f + 1e-4) / dual.clamp_min(1e-12);
          at::Tensor direction = norm_ == Norm::l2 ? w / per_sample_view(dual.clamp_min(1e-12), x) : w.sign();
          at::Tensor closer = distance.lt(best_distance);
          best_distance = at::where(closer, distance, best_distance);
          step_vec = at::where(per_sample_view(closer, x), per_sample_view(distance, x) * direction, step_vec);
        }
        total = total + at::where(per_sample_view(active, x), step_vec, at::zeros_like(step_vec));
        adv = (x + (1 + overshoot_) * total).clamp(0.0, 1.0).detach();
      }
      at::Tensor size = per_sample_norm(adv - x, norm_);
      at::Tensor keep = eps_ > 0 ? size.le(eps_) : at::ones({n}, at::kBool).to(x.device());
      out.images = at::where(per_sample_view(keep, x), adv, x);
      return out;
    });
  }

  int steps_, candidates_;
  double overshoot_;
  roz::attacks::Norm norm_;
  double eps_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_deepfool() {
  return roz::attacks::attack_descriptor(
      "deepfool", "DeepFool: steps to the nearest linearised decision boundary (minimal L2 or L-inf perturbations)",
      {roz::param::integer("steps", 50, 1, 10000, "largest number of linearisation steps"),
       roz::param::integer("candidates", 10, 2, 100000, "classes considered: the top scores on the clean image"),
       roz::param::real("overshoot", 0.02, 0.0, 10.0, "the total step is scaled by 1 + overshoot"),
       roz::param::choice("norm", "l2", {"l2", "linf"}, "threat model"),
       roz::param::real("eps", 0.0, 0.0, 1000.0, "largest norm kept (0: unbounded)")},
      roz::kNeedsGradients, roz::factory<DeepFool>());
}

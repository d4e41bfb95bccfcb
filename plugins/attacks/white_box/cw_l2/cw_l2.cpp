// Carlini-Wagner L2 (Carlini & Wagner 2017): minimises ||x' - x||_2^2 + c * max(z_y - max_{j!=y} z_j, -kappa)
// over x' = (tanh(w) + 1) / 2 with Adam, and binary-searches c per sample: up after a failure (x10
// until a success bounds it), down after a success. Returns each point's smallest-L2 adversarial
// found; with eps > 0, adversarials larger than eps are dropped (the point stays clean).
#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include "roz/support/attacks/attack_ops.hpp"
#include "roz/support/attacks/attack_plugin.hpp"
#include "white_box_attacks_library.hpp"

namespace {

class CwL2 final : public roz::Attack {
 public:
  CwL2(const roz::Params& p, const roz::PluginContext& context)
      : steps_(static_cast<int>(p.get_int("steps"))),
        searches_(static_cast<int>(p.get_int("binary_search_steps"))),
        c_init_(p.get_real("c")),
        kappa_(p.get_real("kappa")),
        lr_(p.get_real("lr")),
        eps_(p.get_real("eps")),
        context_(context) {}

 private:
  roz::AttackResult perturb_(roz::Classifier& target, const roz::AttackBatch& batch) override {
    using namespace roz::attacks;
    return attack_correct_only(target, batch, [&](const roz::AttackBatch& b) {
      const at::Tensor x = b.images;
      const std::int64_t n = x.size(0);
      roz::AttackResult out{x.detach().clone(), 0, 0};
      at::Tensor best_l2 = at::full({n}, std::numeric_limits<double>::infinity(), x.options());
      at::Tensor c = at::full({n}, c_init_, x.options()), lower = at::zeros({n}, x.options());
      at::Tensor upper = at::full({n}, 1e10, x.options());
      const at::Tensor w0 = at::atanh((x * 2 - 1).clamp(-1 + 1e-6, 1 - 1e-6));
      bool warned = false;
      for (int search = 0; search < searches_; ++search) {
        at::Tensor w = w0.clone(), m = at::zeros_like(w), v = at::zeros_like(w);
        at::Tensor succeeded_here = at::zeros({n}, at::kBool).to(x.device());
        for (int step = 1; step <= steps_; ++step) {
          at::Tensor wv = w.detach().set_requires_grad(true);
          at::Tensor adv = (at::tanh(wv) + 1) / 2;
          at::Tensor logits = target.logits(adv);
          at::Tensor l2sq = (adv - x).flatten(1).pow(2).sum(1);
          at::Tensor margin = -loss_per_sample(logits, b.labels, Loss::margin);  // z_y - max other
          at::Tensor objective = l2sq + c * margin.clamp_min(-kappa_);
          at::Tensor grad = torch::autograd::grad({objective.sum()}, {wv})[0].detach();
          out.gradient_evaluations += n;
          if (!warned) warned = warn_if_masked(grad, context_, "cw_l2");
          // Adam (beta1 0.9, beta2 0.999), per coordinate.
          m = 0.9 * m + 0.1 * grad;
          v = 0.999 * v + 0.001 * grad * grad;
          const double correction1 = 1 - std::pow(0.9, step), correction2 = 1 - std::pow(0.999, step);
          w = w - lr_ * (m / correction1) / ((v / correction2).sqrt() + 1e-8);
          // Record successes at the point just evaluated.
          at::Tensor fooled = logits.detach().argmax(1).ne(b.labels);
          at::Tensor l2 = l2sq.detach().sqrt();
          at::Tensor better = fooled & l2.lt(best_l2) & (eps_ > 0 ? l2.le(eps_) : at::ones_like(fooled));
          best_l2 = at::where(better, l2, best_l2);
          out.images = at::where(per_sample_view(better, x), adv.detach(), out.images);
          succeeded_here = succeeded_here | fooled;
        }
        // Binary search on c: success -> smaller c, failure -> larger (x10 until bounded).
        upper = at::where(succeeded_here, at::minimum(upper, c), upper);
        lower = at::where(succeeded_here, lower, at::maximum(lower, c));
        c = at::where(upper.lt(1e9), (lower + upper) / 2, c * 10);
      }
      out.images = out.images.clamp(0.0, 1.0);
      return out;
    });
  }

  int steps_, searches_;
  double c_init_, kappa_, lr_, eps_;
  roz::PluginContext context_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_cw_l2() {
  return roz::attacks::attack_descriptor(
      "cw_l2", "Carlini-Wagner L2: minimal-L2 adversarials by Adam in tanh space, binary search on c",
      {roz::param::integer("steps", 100, 1, 100000, "Adam steps per binary-search step"),
       roz::param::integer("binary_search_steps", 5, 1, 100, "binary-search steps on c"),
       roz::param::real("c", 1.0, 1e-6, 1e6, "initial trade-off constant c"),
       roz::param::real("kappa", 0.0, 0.0, 1e6, "confidence margin kappa"),
       roz::param::real("lr", 0.01, 1e-6, 10.0, "Adam learning rate"),
       roz::param::real("eps", 0.0, 0.0, 1000.0, "largest L2 norm kept (0: unbounded)")},
      roz::kNeedsGradients, roz::factory<CwL2>());
}

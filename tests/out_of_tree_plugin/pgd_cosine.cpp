// pgd_cosine: PGD (Madry et al. 2018, a random start in the eps-ball and projected steepest ascent)
// whose step length anneals on a cosine schedule: long steps while far from a maximum, short ones
// near it, for the same total path length as PGD's 2.5 * eps / steps per step. Written the way the
// built-in attacks are, with the installed support library: function_attack makes the descriptor,
// attack_correct_only attacks only the points still classified correctly, the threat-model and loss
// helpers do the rest, and roz::Attack::perturb checks the result (eps-ball, [0,1]) before the host
// sees it.
#include <ATen/ATen.h>

#include <cmath>
#include <numbers>

#include "roz/plugin.hpp"
#include "roz/support/attacks/attack_ops.hpp"
#include "roz/support/attacks/attack_plugin.hpp"

// The version and licence every descriptor of this library states (roz/support/descriptor.hpp).
roz::support::Provenance roz::support::plugin_provenance() { return {"0.1.0", "Apache-2.0"}; }

namespace {

namespace attacks = roz::attacks;

struct CosineOptions {
  double eps = 8.0 / 255;
  attacks::Norm norm = attacks::Norm::linf;
  int steps = 10;
  attacks::Loss loss = attacks::Loss::ce;
};

std::vector<roz::ParamSpec> cosine_params() {
  return {roz::param::real("eps", 8.0 / 255, 0.0, 1.0, "perturbation budget in [0,1] pixel units"),
          roz::param::choice("norm", "linf", {"linf", "l2"}, "threat model"),
          roz::param::integer("steps", 10, 1, 100000, "gradient steps"),
          roz::param::choice("loss", "ce", {"ce", "dlr", "margin"}, "loss maximised")};
}

CosineOptions cosine_options(const roz::Params& p) {
  return {p.get_real("eps"), attacks::parse_norm(p.get_string("norm")), static_cast<int>(p.get_int("steps")),
          attacks::parse_loss(p.get_string("loss"))};
}

roz::AttackResult cosine_pgd(roz::Classifier& target, const roz::AttackBatch& batch, const CosineOptions& o,
                             const roz::PluginContext& context, const std::string& name) {
  return attacks::attack_correct_only(target, batch, [&](const roz::AttackBatch& b) {
    const std::int64_t n = b.images.size(0);
    roz::AttackResult out{b.images.detach().clone(), 0, 0};
    at::Tensor x = attacks::random_start(b.images, o.eps, o.norm, b.seeds, 1000);
    at::Tensor active = at::ones({n}, at::TensorOptions(at::kBool).device(x.device()));  // not fooled yet
    const double peak = 5.0 * o.eps / o.steps;  // the schedule's mean is PGD's 2.5 * eps / steps
    bool warned = false;
    for (int step = 0; step < o.steps; ++step) {
      attacks::LossGradient lg = attacks::loss_gradient(target, x, b.labels, o.loss);
      out.gradient_evaluations += n;
      if (!warned) warned = attacks::warn_if_masked(lg.grad, context, name);
      // A point fooled at x keeps x and stops moving.
      at::Tensor fooled = attacks::succeeded(lg.logits, b.labels).to(x.device()) & active;
      out.images.index_put_({fooled}, x.index({fooled}));
      active &= ~fooled;
      if (!active.any().item<bool>()) break;
      const double alpha = peak * 0.5 * (1 + std::cos(std::numbers::pi * step / o.steps));
      at::Tensor next = attacks::project(x + alpha * attacks::ascent_direction(lg.grad, o.norm), b.images, o.eps, o.norm);
      x = at::where(attacks::per_sample_view(active, x), next.detach(), x);
    }
    out.images.index_put_({active}, x.index({active}));  // not fooled: the last iterate
    return out;
  });
}

roz::PluginDescriptor describe() {
  return attacks::function_attack<CosineOptions>(
      "pgd_cosine", "PGD with a cosine-annealed step length (random start, L-inf or L2)", cosine_params(),
      cosine_options, cosine_pgd);
}

}  // namespace

ROZ_PLUGIN(describe)

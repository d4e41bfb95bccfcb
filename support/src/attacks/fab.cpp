#include "roz/support/attacks/fab.hpp"

#include <c10/core/GradMode.h>
#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

namespace roz::attacks {

std::vector<ParamSpec> fab_params(const FabOptions& d) {
  std::vector<ParamSpec> params =
      run_budget_params(d, "budget: adversarials beyond it are dropped (0: unbounded)", 1000.0,
                        "FAB-T: target each of the top target_classes other classes in turn");
  params.insert(
      params.end(),
      {param::real("alpha_max", d.alpha_max, 0.0, 1.0, "largest weight of the original point's projection"),
       param::real("eta", d.eta, 1.0, 10.0, "overshoot of each projection step"),
       param::real("beta", d.beta, 0.0, 1.0, "after a success, the point moves to beta of its perturbation")});
  return params;
}

FabOptions fab_options(const Params& p) {
  FabOptions o;
  read_run_budget(p, o);
  o.alpha_max = p.get_real("alpha_max");
  o.eta = p.get_real("eta");
  o.beta = p.get_real("beta");
  return o;
}

at::Tensor project_to_hyperplane(const at::Tensor& x, const at::Tensor& w, const at::Tensor& c, Norm norm) {
  // Flattened rows. The step at scale s: L-inf d_i = clamp(s * sign(w_i) * sign(c)), L2
  // d_i = clamp(s * w_i * sign(c)), clamped to the box [-x_i, 1 - x_i]; w.d grows with s in the
  // direction of c, so the smallest s reaching |c| is found by bisection.
  const at::Tensor xf = x.flatten(1).to(at::kDouble), wf = w.flatten(1).to(at::kDouble), cf = c.to(at::kDouble);
  const at::Tensor direction = (norm == Norm::linf ? wf.sign() : wf) * cf.sign().unsqueeze(1);
  const at::Tensor lo = -xf, hi = 1 - xf;
  auto step = [&](const at::Tensor& s) { return at::minimum(at::maximum(s.unsqueeze(1) * direction, lo), hi); };
  const at::Tensor goal = cf.abs();
  auto reach = [&](const at::Tensor& s) { return (wf * step(s)).sum(1) * cf.sign(); };
  // Upper bracket: a scale that saturates every coordinate (or the largest useful one).
  at::Tensor high =
      norm == Norm::linf ? at::ones_like(goal) : (1.0 / wf.abs().clamp_min(1e-12)).amax(1).clamp_max(1e12);
  at::Tensor low = at::zeros_like(goal);
  for (int i = 0; i < 60; ++i) {
    at::Tensor mid = (low + high) / 2;
    at::Tensor enough = reach(mid) >= goal;
    high = at::where(enough, mid, high);
    low = at::where(enough, low, mid);
  }
  return step(high).to(x.scalar_type()).view_as(x);
}

namespace {

// The linearised boundary to cross at x: (w, c) with the step d needing w.d = c, from the logit
// difference f = z_k - z_y to the chosen class k (targeted: the target; else the closest by
// |f| / ||grad f||_dual).
std::pair<at::Tensor, at::Tensor> boundary(Classifier& target, const at::Tensor& x, const at::Tensor& labels,
                                           const at::Tensor& targets, Norm norm, std::int64_t& evaluations) {
  at::Tensor input = x.detach().clone().set_requires_grad(true);
  at::Tensor logits = target.logits(input);
  const std::int64_t n = x.size(0);
  auto difference = [&](const at::Tensor& k) {
    at::Tensor f = logits.gather(1, k.view({-1, 1})).squeeze(1) - logits.gather(1, labels.view({-1, 1})).squeeze(1);
    at::Tensor g = torch::autograd::grad({f.sum()}, {input}, {}, /*retain_graph=*/true)[0].detach();
    return std::make_pair(f.detach(), g);
  };
  if (targets.defined()) {
    auto [f, g] = difference(targets);
    evaluations += n;
    return {g, -f};
  }
  at::Tensor best_distance = at::full({n}, std::numeric_limits<double>::infinity(), x.options());
  at::Tensor best_w = at::zeros_like(x), best_c = at::zeros({n}, x.options());
  for (std::int64_t k = 0; k < logits.size(1); ++k) {
    at::Tensor class_k = at::full({n}, k, labels.options());
    auto [f, g] = difference(class_k);
    evaluations += n;
    at::Tensor dual = norm == Norm::linf ? g.flatten(1).abs().sum(1) : g.flatten(1).norm(2, 1);
    at::Tensor distance =
        (f.abs() / dual.clamp_min(1e-12)).masked_fill(labels.eq(k), std::numeric_limits<double>::infinity());
    at::Tensor closer = distance.lt(best_distance);
    best_distance = at::where(closer, distance, best_distance);
    best_w = at::where(per_sample_view(closer, x), g, best_w);
    best_c = at::where(closer, -f, best_c);
  }
  return {best_w, best_c};
}

}  // namespace

AttackResult fab_attack(Classifier& target, const AttackBatch& batch, const FabOptions& o, const PluginContext& context,
                        const std::string& name) {
  return attack_correct_only(target, batch, [&](const AttackBatch& b) {
    const at::Tensor clean = b.images;
    const std::int64_t n = clean.size(0);
    AttackResult out{clean.detach().clone(), 0, 0};
    at::Tensor best_norm = at::full({n}, std::numeric_limits<double>::infinity(), clean.options());
    at::Tensor ranked;
    if (o.targeted) {
      c10::NoGradGuard no_grad;
      ranked = std::get<1>(target.logits(clean).sort(1, true));
      out.queries += n;
    }
    const int runs_per_target = o.restarts;
    const int targets = o.targeted ? std::min<int>(o.target_classes, static_cast<int>(target.num_classes()) - 1) : 1;
    bool warned = false;
    for (int t = 0; t < targets; ++t)
      for (int restart = 0; restart < runs_per_target; ++restart) {
        at::Tensor target_labels = o.targeted ? ranked.select(1, t + 1) : at::Tensor();
        const double radius = o.eps > 0 ? o.eps / 2 : 0.5 / 255;
        at::Tensor x =
            restart == 0 ? clean.clone() : random_start(clean, radius, o.norm, b.seeds, 4000 + 100 * t + restart);
        for (int step = 0; step < o.steps; ++step) {
          auto [w, c_raw] = boundary(target, x, b.labels, target_labels, o.norm, out.gradient_evaluations);
          if (!warned) warned = warn_if_masked(w, context, name);
          // w.(x + d) crosses where w.d = c at x, and where w.d = c + w.(x - clean) from the original.
          at::Tensor c_orig = c_raw + (w * (x - clean)).flatten(1).sum(1);
          at::Tensor d1 = project_to_hyperplane(x, w, c_raw, o.norm);
          at::Tensor d2 = project_to_hyperplane(clean, w, c_orig, o.norm);
          at::Tensor a1 = per_sample_norm(d1, o.norm).clamp_min(1e-8), a2 = per_sample_norm(d2, o.norm).clamp_min(1e-8);
          at::Tensor alpha = (a1 / (a1 + a2)).clamp(0.0, o.alpha_max);
          at::Tensor av = per_sample_view(alpha, x);
          x = ((x + o.eta * d1) * (1 - av) + (clean + o.eta * d2) * av).clamp(0.0, 1.0).detach();
          at::Tensor fooled;
          {
            c10::NoGradGuard no_grad;
            fooled = succeeded(target.logits(x), b.labels, target_labels);
            out.queries += n;
          }
          at::Tensor size = per_sample_norm(x - clean, o.norm);
          at::Tensor better = fooled & size.lt(best_norm);
          best_norm = at::where(better, size, best_norm);
          out.images = at::where(per_sample_view(better, x), x, out.images);
          // After a success, step back towards the original: the next boundary crossing is closer.
          x = at::where(per_sample_view(fooled, x), clean + (x - clean) * o.beta, x);
        }
      }
    if (o.eps > 0) out.images = at::where(per_sample_view(best_norm.le(o.eps + 1e-7), clean), out.images, clean);
    return out;
  });
}

}  // namespace roz::attacks

#include "roz/support/attacks/apgd.hpp"

#include <c10/core/GradMode.h>
#include <ATen/ATen.h>

#include <cmath>

namespace roz::attacks {

std::vector<ParamSpec> apgd_params(const ApgdOptions& d) {
  std::vector<ParamSpec> params =
      run_budget_params(d, "perturbation budget in [0,1] pixel units", 1.0,
                        "APGD-T: target each of the top target_classes other classes in turn");
  params.push_back(param::real("rho", d.rho, 0.0, 1.0, "share of steps that must raise the loss between checkpoints"));
  return params;
}

ApgdOptions apgd_options(const Params& p) {
  ApgdOptions o;
  read_run_budget(p, o);
  o.rho = p.get_real("rho");
  return o;
}

std::vector<int> apgd_checkpoints(int steps) {
  std::vector<double> p = {0.0, 0.22};
  while (p.back() < 1.0) p.push_back(p.back() + std::max(p.back() - p[p.size() - 2] - 0.03, 0.06));
  std::vector<int> w;
  for (double v : p) {
    const int it = static_cast<int>(std::ceil(v * steps));
    if (it <= steps && (w.empty() || it > w.back())) w.push_back(it);
  }
  return w;
}

namespace {

// One APGD run on a sub-batch (all rows active throughout: stalled rows are cheap compared with the
// bookkeeping of removing them). Returns per sample: the best point (an adversarial one as soon as
// found) and whether it fools the model.
struct Run {
  at::Tensor best, fooled;
};

Run apgd_run(Classifier& target, const AttackBatch& b, const at::Tensor& targets, const ApgdOptions& o,
             std::uint64_t stream, AttackResult& counts, const PluginContext& context, const std::string& name,
             bool& warned) {
  const at::Tensor clean = b.images;
  const std::int64_t n = clean.size(0);
  const auto device = clean.device();
  const std::vector<int> checkpoints = apgd_checkpoints(o.steps);
  const double alpha = 0.75;

  at::Tensor x = random_start(clean, o.eps, o.norm, b.seeds, stream);
  LossGradient lg = loss_gradient(target, x, b.labels, o.loss, targets);
  counts.gradient_evaluations += n;
  if (!warned) warned = warn_if_masked(lg.grad, context, name);
  at::Tensor step = at::full({n}, 2.0 * o.eps, clean.options());
  at::Tensor best_loss = lg.loss.clone(), best = x.clone();
  at::Tensor fooled = succeeded(lg.logits, b.labels, targets);
  at::Tensor adversarial = x.clone();  // the first fooling point of each sample
  at::Tensor x_prev = x.clone(), grad = lg.grad, loss = lg.loss;
  at::Tensor increases = at::zeros({n}, at::kLong).to(device);
  at::Tensor last_step = step.clone(), last_best = best_loss.clone();
  size_t next_checkpoint = 1;
  int since = 0;  // iterations since the last checkpoint
  for (int k = 0; k < o.steps; ++k) {
    at::Tensor z = project(x + per_sample_view(step, x) * ascent_direction(grad, o.norm), clean, o.eps, o.norm);
    at::Tensor x_next = k == 0 ? z : project(x + alpha * (z - x) + (1 - alpha) * (x - x_prev), clean, o.eps, o.norm);
    x_prev = x;
    x = x_next.detach();
    lg = loss_gradient(target, x, b.labels, o.loss, targets);
    counts.gradient_evaluations += n;
    at::Tensor now_fooled = succeeded(lg.logits, b.labels, targets);
    at::Tensor first = now_fooled & ~fooled;
    adversarial = at::where(per_sample_view(first, x), x, adversarial);
    fooled = fooled | now_fooled;
    increases += (lg.loss > loss).to(at::kLong);
    at::Tensor improved = lg.loss > best_loss;
    best = at::where(per_sample_view(improved, x), x, best);
    best_loss = at::where(improved, lg.loss, best_loss);
    loss = lg.loss;
    grad = lg.grad;
    ++since;
    if (next_checkpoint < checkpoints.size() && k + 1 == checkpoints[next_checkpoint]) {
      // Condition 1: too few increases; condition 2: neither the step nor the best loss changed.
      at::Tensor few = increases.to(at::kDouble) < o.rho * since;
      at::Tensor stalled = step.eq(last_step) & best_loss.eq(last_best);
      at::Tensor halve = few | stalled;
      last_step = step.clone();
      last_best = best_loss.clone();
      step = at::where(halve, step / 2, step);
      // Halved samples restart from their best point (its gradient is recomputed next step).
      if (halve.any().item<bool>()) {
        x = at::where(per_sample_view(halve, x), best, x);
        x_prev = at::where(per_sample_view(halve, x), best, x_prev);
        LossGradient at_best = loss_gradient(target, x, b.labels, o.loss, targets);
        counts.gradient_evaluations += n;
        grad = at_best.grad;
        loss = at_best.loss;
      }
      increases.zero_();
      since = 0;
      ++next_checkpoint;
    }
  }
  return {at::where(per_sample_view(fooled, x), adversarial, best), fooled};
}

}  // namespace

AttackResult apgd_attack(Classifier& target, const AttackBatch& batch, const ApgdOptions& o,
                         const PluginContext& context, const std::string& name) {
  return attack_correct_only(target, batch, [&](const AttackBatch& b) {
    const std::int64_t n = b.images.size(0);
    AttackResult out{b.images.detach().clone(), 0, 0};
    at::Tensor done = at::zeros({n}, at::kBool);
    bool warned = false;
    at::Tensor ranked;  // targeted: classes by clean logit, best first
    if (o.targeted) {
      c10::NoGradGuard no_grad;
      ranked = std::get<1>(target.logits(b.images).sort(1, true)).to(at::kCPU);
      out.queries += n;
    }
    const int targets = o.targeted ? std::min<int>(o.target_classes, static_cast<int>(target.num_classes()) - 1) : 1;
    for (int t = 0; t < targets; ++t)
      for (int restart = 0; restart < o.restarts; ++restart) {
        at::Tensor rows = (~done).nonzero().squeeze(1);
        if (rows.numel() == 0) break;
        SubBatch sub = select(b, rows);
        at::Tensor target_labels;
        if (o.targeted) target_labels = ranked.index_select(0, rows).select(1, t + 1).to(b.images.device());
        Run run = apgd_run(target, sub.view(), target_labels, o, 2000 + 100 * t + restart, out, context, name, warned);
        out.images.index_copy_(0, rows.to(out.images.device()), run.best);
        done.index_copy_(0, rows, run.fooled.to(at::kCPU));
      }
    return out;
  });
}

}  // namespace roz::attacks

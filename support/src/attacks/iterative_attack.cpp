#include "roz/support/attacks/iterative_attack.hpp"

#include <c10/core/GradMode.h>
#include <ATen/ATen.h>

#include <random>

namespace roz::attacks {

std::vector<ParamSpec> iterative_params(const IterativeOptions& d) {
  return {param::real("eps", d.eps, 0.0, 1.0, "perturbation budget in [0,1] pixel units"),
          param::choice("norm", d.norm == Norm::linf ? "linf" : "l2", {"linf", "l2"}, "threat model"),
          param::integer("steps", d.steps, 1, 100000, "gradient steps"),
          param::real("step_size", d.step_size, 0.0, 10.0, "step length (0: 2.5 * eps / steps)"),
          param::boolean("random_start", d.random_start, "start from a uniform random point of the eps-ball"),
          param::integer("restarts", d.restarts, 1, 1000, "runs from new random starts for points not yet fooled"),
          param::real("momentum", d.momentum, 0.0, 10.0, "momentum decay mu on L1-normalised gradients (0: none)"),
          param::real("diversity_prob", d.diversity_prob, 0.0, 1.0,
                      "probability of a random resize-and-pad of the input per step (0: none)"),
          param::real("resize_rate", d.resize_rate, 0.1, 1.0, "smallest random resize, as a fraction of the side"),
          param::choice("loss", "ce", {"ce", "dlr", "margin"}, "loss maximised")};
}

IterativeOptions iterative_options(const Params& p) {
  IterativeOptions o;
  o.eps = p.get_real("eps");
  o.norm = parse_norm(p.get_string("norm"));
  o.steps = static_cast<int>(p.get_int("steps"));
  o.step_size = p.get_real("step_size") > 0 ? p.get_real("step_size") : 2.5 * o.eps / o.steps;
  o.random_start = p.get_bool("random_start");
  o.restarts = static_cast<int>(p.get_int("restarts"));
  o.momentum = p.get_real("momentum");
  o.diversity_prob = p.get_real("diversity_prob");
  o.resize_rate = p.get_real("resize_rate");
  o.loss = parse_loss(p.get_string("loss"));
  return o;
}

namespace {

// DI-FGSM's input diversity, per sample with its own generator: with probability p, resize to a
// random side in [rate * R, R) (nearest) and zero-pad back to R at a random offset.
at::Tensor diverse(const at::Tensor& x, std::span<const std::uint64_t> seeds, std::uint64_t stream, double p,
                   double rate) {
  const std::int64_t side = x.size(-1), smallest = std::max<std::int64_t>(1, static_cast<std::int64_t>(side * rate));
  std::vector<at::Tensor> rows;
  for (std::int64_t i = 0; i < x.size(0); ++i) {
    std::mt19937_64 rng(sample_stream(seeds[static_cast<size_t>(i)], stream));
    at::Tensor row = x.narrow(0, i, 1);
    if (std::uniform_real_distribution<double>(0, 1)(rng) >= p || smallest >= side) {
      rows.push_back(row);
      continue;
    }
    const std::int64_t size = std::uniform_int_distribution<std::int64_t>(smallest, side - 1)(rng);
    const std::int64_t top = std::uniform_int_distribution<std::int64_t>(0, side - size)(rng);
    const std::int64_t left = std::uniform_int_distribution<std::int64_t>(0, side - size)(rng);
    at::Tensor resized = at::upsample_nearest2d(row, {size, size});
    rows.push_back(at::constant_pad_nd(resized, {left, side - size - left, top, side - size - top}, 0.0));
  }
  return at::cat(rows);
}

}  // namespace

AttackResult iterative_attack(Classifier& target, const AttackBatch& batch, const IterativeOptions& o,
                              const PluginContext& context, const std::string& name) {
  return attack_correct_only(target, batch, [&](const AttackBatch& b) {
    const std::int64_t n = b.images.size(0);
    AttackResult out{b.images.detach().clone(), 0, 0};
    at::Tensor done = at::zeros({n}, at::kBool);
    bool warned = false;
    for (int restart = 0; restart < o.restarts; ++restart) {
      at::Tensor rows = (~done).nonzero().squeeze(1);
      if (rows.numel() == 0) break;
      SubBatch active = select(b, rows);
      at::Tensor clean = active.images;
      at::Tensor x = o.random_start ? random_start(clean, o.eps, o.norm, active.seeds, 1000 + restart) : clean.clone();
      at::Tensor velocity = at::zeros_like(x);
      for (int step = 0; step <= o.steps && rows.numel() > 0; ++step) {
        at::Tensor logits, grad;
        if (step < o.steps) {
          const bool diversify = o.diversity_prob > 0;
          at::Tensor input =
              diversify ? diverse(x, active.seeds, 100000ull * (restart + 1) + step, o.diversity_prob, o.resize_rate)
                        : x;
          LossGradient lg = loss_gradient(target, input, active.labels, o.loss);
          out.gradient_evaluations += rows.numel();
          grad = lg.grad;
          if (!warned) warned = warn_if_masked(grad, context, name);
          if (!diversify) logits = lg.logits;
        }
        if (step == o.steps) break;  // the last iterate is the result whether it fools or not
        if (!logits.defined()) {     // the loss was taken at a transformed input
          c10::NoGradGuard no_grad;
          logits = target.logits(x).detach();
          out.queries += rows.numel();
        }
        // Points fooled at x keep x and leave the loop.
        at::Tensor fooled = succeeded(logits, active.labels).to(at::kCPU);
        if (fooled.any().item<bool>()) {
          at::Tensor hit = fooled.nonzero().squeeze(1);
          at::Tensor hit_rows = rows.index_select(0, hit);
          out.images.index_copy_(0, hit_rows.to(x.device()), x.index_select(0, hit.to(x.device())));
          done.index_fill_(0, hit_rows, true);
          at::Tensor keep = (~fooled).nonzero().squeeze(1);
          rows = rows.index_select(0, keep);
          if (rows.numel() == 0) break;
          active = select(b, rows);
          clean = active.images;
          keep = keep.to(x.device());
          x = x.index_select(0, keep);
          velocity = velocity.index_select(0, keep);
          grad = grad.defined() ? grad.index_select(0, keep) : grad;
        }
        at::Tensor direction;
        if (o.momentum > 0) {
          at::Tensor l1 = grad.abs().flatten(1).mean(1).clamp_min(1e-12);
          velocity = o.momentum * velocity + grad / per_sample_view(l1, grad);
          direction = ascent_direction(velocity, o.norm);
        } else {
          direction = ascent_direction(grad, o.norm);
        }
        x = project(x + o.step_size * direction, clean, o.eps, o.norm).detach();
      }
      if (rows.numel() > 0) out.images.index_copy_(0, rows.to(x.device()), x);  // not fooled: the last iterate
    }
    return out;
  });
}

}  // namespace roz::attacks

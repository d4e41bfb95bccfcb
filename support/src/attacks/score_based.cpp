#include "roz/support/attacks/score_based.hpp"

#include <c10/core/GradMode.h>
#include <ATen/ATen.h>

#include "roz/plugin.hpp"

namespace roz::attacks {

at::Tensor scores(Classifier& target, const at::Tensor& images, std::int64_t chunk) {
  c10::NoGradGuard no_grad;
  std::vector<at::Tensor> parts;
  for (std::int64_t i = 0; i < images.size(0); i += chunk)
    parts.push_back(target.logits(images.narrow(0, i, std::min(chunk, images.size(0) - i))).detach());
  return at::cat(parts);
}

at::Tensor estimate_gradient(Classifier& target, const at::Tensor& x, const at::Tensor& labels,
                             std::span<const std::uint64_t> seeds, std::uint64_t stream, int samples, double sigma,
                             bool rademacher, std::int64_t& queries) {
  const std::int64_t n = x.size(0);
  // u: [n, samples, C, H, W], each sample's directions from its own generator.
  std::vector<at::Tensor> directions;
  for (int s = 0; s < samples; ++s) {
    // SPSA and NES draw from different streams: their directions are independent, not signs of each other.
    at::Tensor u = normal_like(x, seeds, stream * 1000003ull + static_cast<std::uint64_t>(s) + (rademacher ? 500000ull : 0));
    directions.push_back(rademacher ? u.sign().clamp_min(-1).masked_fill(u.eq(0), 1.0) : u);
  }
  at::Tensor u = at::stack(directions, 1);
  at::Tensor base = x.unsqueeze(1);
  at::Tensor probes = at::cat({base + sigma * u, base - sigma * u}, 1).flatten(0, 1);  // [n * 2s, ...]
  at::Tensor probe_labels = labels.repeat_interleave(2 * samples);
  at::Tensor loss = loss_per_sample(scores(target, probes), probe_labels, Loss::margin).view({n, 2 * samples});
  queries += n * 2 * samples;
  at::Tensor diff = (loss.narrow(1, 0, samples) - loss.narrow(1, samples, samples)) / (2 * sigma);  // [n, s]
  std::vector<std::int64_t> shape = {n, samples};
  for (std::int64_t d = 1; d < x.dim(); ++d) shape.push_back(1);
  return (diff.view(shape) * u).mean(1);
}

std::vector<ParamSpec> estimated_gradient_params() {
  return {param::real("eps", 8.0 / 255, 0.0, 1.0, "perturbation budget in [0,1] pixel units"),
                     param::choice("norm", "linf", {"linf", "l2"}, "threat model"),
                     param::integer("steps", 20, 1, 100000, "update steps"),
                     param::integer("samples", 20, 1, 10000, "antithetic pairs per gradient estimate (2 queries each)"),
                     param::real("sigma", 0.001, 1e-6, 1.0, "finite-difference scale in [0,1] pixel units"),
                     param::real("step_size", 0, 0.0, 10.0, "step length (0: 2.5 * eps / steps)")};
}

namespace {

class EstimatedGradientAttack final : public Attack {
 public:
  // rademacher: SPSA's +-1 directions; otherwise NES's Gaussian ones.
  EstimatedGradientAttack(const Params& p, bool rademacher, std::string name)
      : Attack(ThreatModel{parse_norm(p.get_string("norm")), p.get_real("eps")}),
        eps_(p.get_real("eps")),
        norm_(parse_norm(p.get_string("norm"))),
        steps_(static_cast<int>(p.get_int("steps"))),
        samples_(static_cast<int>(p.get_int("samples"))),
        sigma_(p.get_real("sigma")),
        step_size_(p.get_real("step_size") > 0 ? p.get_real("step_size") : 2.5 * eps_ / steps_),
        rademacher_(rademacher),
        name_(std::move(name)) {}

 private:
  AttackResult perturb_(Classifier& target, const AttackBatch& batch) override {
    using namespace attacks;
    return attack_correct_only(target, batch, [&](const AttackBatch& b) {
      AttackResult out{b.images.detach().clone(), 0, 0};
      at::Tensor rows = at::arange(b.images.size(0), at::kLong);
      at::Tensor x = b.images.clone();
      for (int step = 0; step < steps_ && rows.numel() > 0; ++step) {
        SubBatch active = select(b, rows);
        at::Tensor grad = estimate_gradient(target, x, active.labels, active.seeds, static_cast<std::uint64_t>(step),
                                            samples_, sigma_, rademacher_, out.queries);
        x = project(x + step_size_ * ascent_direction(grad, norm_), active.images, eps_, norm_);
        at::Tensor fooled = succeeded(scores(target, x), active.labels).to(at::kCPU);
        out.queries += rows.numel();
        out.images.index_copy_(0, rows.to(x.device()), x);
        at::Tensor keep = (~fooled).nonzero().squeeze(1);
        rows = rows.index_select(0, keep);
        x = x.index_select(0, keep.to(x.device()));
      }
      return out;
    });
  }

  double eps_;
  Norm norm_;
  int steps_, samples_;
  double sigma_, step_size_;
  bool rademacher_;
  std::string name_;
};


}  // namespace

std::unique_ptr<Plugin> make_estimated_gradient_attack(const Params& params, bool rademacher, const std::string& name) {
  return std::make_unique<EstimatedGradientAttack>(params, rademacher, name);
}

}  // namespace roz::attacks

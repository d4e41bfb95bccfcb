#include "roz/support/attacks/attack_ops.hpp"

#include <c10/core/GradMode.h>
#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>

#include <cmath>

#include "roz/error.hpp"
#include "roz/seed.hpp"

namespace roz::attacks {

Norm parse_norm(const std::string& name) {
  if (name == "linf") return Norm::linf;
  if (name == "l2") return Norm::l2;
  throw Error("unknown norm '" + name + "' (known: linf, l2)");
}

Loss parse_loss(const std::string& name) {
  if (name == "ce") return Loss::ce;
  if (name == "dlr") return Loss::dlr;
  if (name == "margin") return Loss::margin;
  throw Error("unknown loss '" + name + "' (known: ce, dlr, margin)");
}

namespace {

// The largest logit other than `exclude`'s, per sample.
at::Tensor max_other(const at::Tensor& logits, const at::Tensor& exclude) {
  at::Tensor masked = logits.clone();
  masked.scatter_(1, exclude.view({-1, 1}), -std::numeric_limits<float>::infinity());
  return std::get<0>(masked.max(1));
}

}  // namespace

at::Tensor per_sample_view(const at::Tensor& values, const at::Tensor& like) {
  std::vector<std::int64_t> shape(static_cast<size_t>(like.dim()), 1);
  shape[0] = like.size(0);
  return values.view(shape);
}

at::Tensor per_sample_norm(const at::Tensor& delta, Norm norm) {
  at::Tensor flat = delta.flatten(1);
  return norm == Norm::linf ? flat.abs().amax(1) : flat.norm(2, 1);
}

at::Tensor project(const at::Tensor& adv, const at::Tensor& clean, double eps, Norm norm) {
  at::Tensor delta = adv - clean;
  if (norm == Norm::linf) {
    delta = delta.clamp(-eps, eps);
  } else {
    at::Tensor n = per_sample_norm(delta, Norm::l2);
    at::Tensor factor = (eps / n.clamp_min(1e-12)).clamp_max(1.0);
    delta = delta * per_sample_view(factor, delta);
  }
  return (clean + delta).clamp(0.0, 1.0);
}

at::Tensor ascent_direction(const at::Tensor& grad, Norm norm) {
  if (norm == Norm::linf) return grad.sign();
  return grad / per_sample_view(per_sample_norm(grad, Norm::l2).clamp_min(1e-12), grad);
}

std::uint64_t sample_stream(std::uint64_t seed, std::uint64_t stream) {
  return mix64(seed ^ mix64(stream + 1));
}

namespace {

template <class Fill>
at::Tensor per_sample(const at::Tensor& like, std::span<const std::uint64_t> seeds, std::uint64_t stream, Fill fill) {
  if (static_cast<std::int64_t>(seeds.size()) != like.size(0))
    throw Error("attack: " + std::to_string(seeds.size()) + " seeds for a batch of " + std::to_string(like.size(0)));
  std::vector<at::Tensor> rows;
  const auto options = like.options().device(at::kCPU).dtype(at::kFloat);
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(sample_stream(seeds[i], stream));
    rows.push_back(fill(like[0].sizes(), options, gen));
  }
  return at::stack(rows).to(like.device(), like.scalar_type());
}

}  // namespace

at::Tensor uniform_like(const at::Tensor& like, std::span<const std::uint64_t> seeds, std::uint64_t stream, double lo,
                        double hi) {
  return per_sample(like, seeds, stream, [&](at::IntArrayRef shape, const at::TensorOptions& o, at::Generator& g) {
    return at::rand(shape, g, o) * (hi - lo) + lo;
  });
}

at::Tensor normal_like(const at::Tensor& like, std::span<const std::uint64_t> seeds, std::uint64_t stream) {
  return per_sample(like, seeds, stream, [&](at::IntArrayRef shape, const at::TensorOptions& o, at::Generator& g) {
    return at::randn(shape, g, o);
  });
}

at::Tensor random_start(const at::Tensor& clean, double eps, Norm norm, std::span<const std::uint64_t> seeds,
                        std::uint64_t stream) {
  at::Tensor delta;
  if (norm == Norm::linf) {
    delta = uniform_like(clean, seeds, stream, -eps, eps);
  } else {
    // Uniform in the L2 ball: a Gaussian direction, radius eps * U^(1/d).
    at::Tensor direction = ascent_direction(normal_like(clean, seeds, stream), Norm::l2);
    const double d = static_cast<double>(clean[0].numel());
    at::Tensor u = uniform_like(clean.flatten(1).narrow(1, 0, 1), seeds, stream + 7919).squeeze(1);
    delta = direction * per_sample_view(u.pow(1.0 / d) * eps, clean);
  }
  return (clean + delta).clamp(0.0, 1.0);
}

at::Tensor loss_per_sample(const at::Tensor& logits, const at::Tensor& labels, Loss loss, const at::Tensor& targets) {
  const bool targeted = targets.defined();
  const at::Tensor z = logits.to(at::kFloat);
  if (loss == Loss::ce) {
    if (targeted) return -at::cross_entropy_loss(z, targets, {}, at::Reduction::None);
    return at::cross_entropy_loss(z, labels, {}, at::Reduction::None);
  }
  at::Tensor zy = z.gather(1, labels.view({-1, 1})).squeeze(1);
  if (loss == Loss::margin) {
    if (targeted) return z.gather(1, targets.view({-1, 1})).squeeze(1) - max_other(z, targets);
    return max_other(z, labels) - zy;
  }
  // DLR: -(z_y - max_{j != y} z_j) / (z_pi1 - z_pi3); targeted: -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2).
  at::Tensor sorted = std::get<0>(z.sort(1, /*descending=*/true));
  const std::int64_t c = z.size(1);
  if (c < 4 && targeted) throw Error("targeted dlr needs at least 4 classes");
  if (c < 3) throw Error("dlr needs at least 3 classes");
  if (targeted) {
    at::Tensor zt = z.gather(1, targets.view({-1, 1})).squeeze(1);
    at::Tensor scale = sorted.select(1, 0) - (sorted.select(1, 2) + sorted.select(1, 3)) / 2 + 1e-12;
    return -(zy - zt) / scale;
  }
  at::Tensor scale = sorted.select(1, 0) - sorted.select(1, 2) + 1e-12;
  return -(zy - max_other(z, labels)) / scale;
}

LossGradient loss_gradient(Classifier& target, const at::Tensor& x, const at::Tensor& labels, Loss loss,
                           const at::Tensor& targets) {
  at::Tensor input = x.detach().clone().set_requires_grad(true);
  at::Tensor logits = target.logits(input);
  at::Tensor values = loss_per_sample(logits, labels, loss, targets);
  at::Tensor grad = torch::autograd::grad({values.sum()}, {input})[0].detach();
  return {values.detach(), grad, logits.detach()};
}

bool warn_if_masked(const at::Tensor& grad, const PluginContext& context, const std::string& attack) {
  at::Tensor flat = grad.flatten(1);
  const std::int64_t zero = flat.abs().amax(1).eq(0).sum().item<std::int64_t>();
  const std::int64_t bad = (~at::isfinite(flat)).any(1).sum().item<std::int64_t>();
  if (zero == 0 && bad == 0) return false;
  context.log(LogLevel::warn, attack + ": input gradient is zero for " + std::to_string(zero) + " and not finite for " +
                                  std::to_string(bad) + " of " + std::to_string(flat.size(0)) +
                                  " samples: possible gradient masking; robust accuracy may be overestimated");
  return true;
}

at::Tensor succeeded(const at::Tensor& logits, const at::Tensor& labels, const at::Tensor& targets) {
  at::Tensor predicted = logits.argmax(1);
  return targets.defined() ? predicted.eq(targets) : predicted.ne(labels);
}

SubBatch select(const AttackBatch& batch, const at::Tensor& rows) {
  SubBatch sub;
  at::Tensor index = rows.to(at::kLong).to(at::kCPU);
  sub.images = batch.images.index_select(0, index.to(batch.images.device()));
  sub.labels = batch.labels.index_select(0, index.to(batch.labels.device()));
  const auto* r = index.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < index.size(0); ++i) sub.seeds.push_back(batch.seeds[static_cast<size_t>(r[i])]);
  sub.prompts = batch.prompts;
  return sub;
}

AttackResult attack_correct_only(Classifier& target, const AttackBatch& batch,
                                 const std::function<AttackResult(const AttackBatch&)>& attack) {
  at::Tensor correct;
  {
    c10::NoGradGuard no_grad;
    correct = target.logits(batch.images).argmax(1).eq(batch.labels);
  }
  AttackResult out{batch.images.detach().clone(), 0, batch.images.size(0)};
  at::Tensor rows = correct.nonzero().squeeze(1);
  if (rows.numel() == 0) return out;
  SubBatch sub = select(batch, rows);
  AttackResult inner = attack(sub.view());
  out.images.index_copy_(0, rows.to(out.images.device()), inner.images.detach().to(out.images.scalar_type()));
  out.gradient_evaluations += inner.gradient_evaluations;
  out.queries += inner.queries;
  return out;
}

std::vector<ParamSpec> run_budget_params(const RunBudget& d, const std::string& eps_help, double eps_max,
                                         const std::string& targeted_help) {
  return {param::real("eps", d.eps, 0.0, eps_max, eps_help),
          param::choice("norm", d.norm == Norm::linf ? "linf" : "l2", {"linf", "l2"}, "threat model"),
          param::integer("steps", d.steps, 1, 100000, "iterations per run"),
          param::integer("restarts", d.restarts, 1, 1000, "runs from new random starts for points not yet fooled"),
          param::boolean("targeted", d.targeted, targeted_help),
          param::integer("target_classes", d.target_classes, 1, 1000, "targeted: how many target classes")};
}

void read_run_budget(const Params& p, RunBudget& b) {
  b.eps = p.get_real("eps");
  b.norm = parse_norm(p.get_string("norm"));
  b.steps = static_cast<int>(p.get_int("steps"));
  b.restarts = static_cast<int>(p.get_int("restarts"));
  b.targeted = p.get_bool("targeted");
  b.target_classes = static_cast<int>(p.get_int("target_classes"));
}

}  // namespace roz::attacks

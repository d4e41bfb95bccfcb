// random_noise: a score-based black-box baseline. Up to `tries` random sign-noise perturbations of
// size eps per image; an image stops at the first one that changes the prediction. Reviewers ask
// for it to show that a white-box attack's effect is not plain noise sensitivity.
#include <c10/core/GradMode.h>
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "roz/attack.hpp"
#include "roz/plugin.hpp"

namespace {

class RandomNoise final : public roz::Attack {
 public:
  // The L-inf ball of radius eps: Attack::perturb checks every result against it.
  explicit RandomNoise(const roz::Params& params)
      : Attack(roz::ThreatModel{roz::Norm::linf, params.get_real("eps")}),
        eps_(params.get_real("eps")),
        tries_(params.get_int("tries")) {}

 private:
  roz::AttackResult perturb_(roz::Classifier& target, const roz::AttackBatch& batch) override {
    c10::NoGradGuard no_grad;
    const std::int64_t n = batch.images.size(0);
    at::Tensor adv = batch.images.clone();
    std::vector<bool> done(static_cast<size_t>(n), false);
    roz::AttackResult result;
    for (std::int64_t t = 0; t < tries_; ++t) {
      std::vector<std::int64_t> active;
      for (std::int64_t i = 0; i < n; ++i)
        if (!done[static_cast<size_t>(i)]) active.push_back(i);
      if (active.empty()) break;  // early stop: every image already fooled
      std::vector<at::Tensor> candidates;
      for (std::int64_t i : active) {
        // Seeded per (sample, try): the same noise whatever the batch or thread layout.
        auto gen = at::make_generator<at::CPUGeneratorImpl>(roz::mix64(batch.seeds[static_cast<size_t>(i)] + t));
        at::Tensor noise = at::rand(batch.images[i].sizes(), gen).lt(0.5).to(at::kFloat).mul(2).sub(1);
        candidates.push_back((batch.images[i] + eps_ * noise).clamp(0.0, 1.0));
      }
      at::Tensor index = at::tensor(active, at::kLong);
      at::Tensor candidate = at::stack(candidates);
      at::Tensor fooled = target.logits(candidate).argmax(1).ne(batch.labels.index_select(0, index));
      result.queries += static_cast<std::int64_t>(active.size());
      adv.index_copy_(0, index, candidate);
      for (size_t k = 0; k < active.size(); ++k)
        if (fooled[static_cast<std::int64_t>(k)].item<bool>()) done[static_cast<size_t>(active[k])] = true;
    }
    result.images = adv;
    return result;
  }

  double eps_;
  std::int64_t tries_;
};

roz::PluginDescriptor describe() {
  return {
      .name = "random_noise",
      .kind = roz::PluginKind::attack,
      .version = "1.0.0",
      .license = "Apache-2.0",
      .description = "Random sign noise of size eps, up to `tries` draws per image (black-box baseline)",
      .params = {roz::param::real("eps", 8.0 / 255.0, 0.0, 1.0, "L-inf noise size in [0,1] pixel units"),
                 roz::param::integer("tries", 10, 1, 100000, "noise draws per image (queries)")},
      .capabilities = roz::kNeedsScoresOnly,
      .create = roz::factory<RandomNoise>(),
  };
}

}  // namespace

ROZ_PLUGIN(describe)

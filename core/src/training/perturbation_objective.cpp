// Perturbation-robust embedding fine-tuning. With f' the model being trained, f a frozen copy of
// the original, P(x,k) the perturbation with parameters k drawn per image:
//   L1 = -mean cos(f'(x), f'(P(x,k)))   embeddings stay put under the perturbation
//   L2 = -mean cos(f(x), f'(x))         and close to the original model's (what keeps zero-shot)
//   loss = L1 + lambda L2
// Images the perturbation skips leave L1's mean.
#include <c10/core/GradMode.h>
#include <ATen/ATen.h>

#include "pipeline/normalise_rows.hpp"
#include "objective.hpp"
#include "perturbation_sampler.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/trainer.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"

namespace roz::core {

namespace {

class PerturbationObjective final : public TrainObjective {
 public:
  explicit PerturbationObjective(const ObjectiveContext& context)
      : c_(context), sampler_(context.host, context.options.perturbation) {
    if (!(context.options.lambda >= 0)) throw SpecError("roz train: lambda must be >= 0");
    original_ = context.host.create_model(context.model_plugin);
    original_->set_training(false);
  }

  at::Tensor loss(const TrainBatch& batch) override {
    const std::vector<PerturbationSampler::Draw> drawn =
        sampler_.apply(batch.images, batch.seeds, batch.labels, batch.ids, c_.captions.prompts().class_names);
    std::vector<cv::Mat> perturbed;
    std::vector<std::int64_t> kept;
    for (size_t i = 0; i < drawn.size(); ++i)
      if (!drawn[i].skipped) {
        perturbed.push_back(drawn[i].image);
        kept.push_back(static_cast<std::int64_t>(i));
      }
    if (perturbed.empty())
      throw DataError("roz train: perturbation '" + sampler_.description() + "' skipped every image of a batch");
    at::Tensor clean = normalise_rows(c_.model->encode_image(batch.pixels));
    at::Tensor moved = normalise_rows(c_.model->encode_image(to_tensor(perturbed).to(batch.pixels.device())));
    at::Tensor reference;
    {
      c10::NoGradGuard no_grad;
      reference = normalise_rows(original_->encode_image(batch.pixels));
    }
    at::Tensor l1 = -(clean.index_select(0, at::tensor(kept, at::kLong).to(clean.device())) * moved).sum(1).mean();
    at::Tensor l2 = -(reference * clean).sum(1).mean();
    return l1 + c_.options.lambda * l2;
  }

  nlohmann::json config() const override {
    return {{"perturbation", sampler_.description()}, {"lambda", c_.options.lambda}};
  }

 private:
  ObjectiveContext c_;
  PerturbationSampler sampler_;
  std::shared_ptr<Model> original_;  // f: the frozen starting point
};

}  // namespace

std::unique_ptr<TrainObjective> make_perturbation_objective(const ObjectiveContext& context) {
  return std::make_unique<PerturbationObjective>(context);
}

}  // namespace roz::core

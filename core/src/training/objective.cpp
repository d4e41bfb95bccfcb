// The shared contrastive term, CLIP's own objective, and the choice between objectives.
#include "objective.hpp"

#include <ATen/ATen.h>

#include "pipeline/normalise_rows.hpp"
#include "roz/core/trainer.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"

namespace roz::core {

at::Tensor contrastive_cross_entropies(const at::Tensor& image_embeddings, const at::Tensor& text_embeddings,
                                       const at::Tensor& log_scale) {
  at::Tensor logits =
      log_scale.exp() * at::matmul(normalise_rows(image_embeddings), normalise_rows(text_embeddings).t());
  at::Tensor targets = at::arange(logits.size(0), logits.options().dtype(at::kLong));
  return at::cross_entropy_loss(logits, targets) + at::cross_entropy_loss(logits.t(), targets);
}

namespace {

// CLIP's symmetric InfoNCE: the mean of the two cross-entropies.
class ContrastiveObjective final : public TrainObjective {
 public:
  explicit ContrastiveObjective(const ObjectiveContext& context) : c_(context) {}

  at::Tensor loss(const TrainBatch& batch) override {
    at::Tensor img = c_.model->encode_image(batch.pixels);
    at::Tensor txt = c_.model->encode_text(c_.captions.tokens(batch.labels, batch.templates));
    return contrastive_cross_entropies(img, txt, c_.log_scale) / 2;
  }

  nlohmann::json config() const override { return nlohmann::json::object(); }

 private:
  ObjectiveContext c_;
};

}  // namespace

std::unique_ptr<TrainObjective> make_objective(const ObjectiveContext& context) {
  const std::string& name = context.options.objective;
  if (name == "contrastive") return std::make_unique<ContrastiveObjective>(context);
  if (name == "adversarial") return make_adversarial_objective(context);
  if (name == "perturbation") return make_perturbation_objective(context);
  if (name == "copy_detection") return make_copy_detection_objective(context);
  throw SpecError("roz train: objective '" + name +
                  "': unknown (contrastive, adversarial, perturbation, copy_detection)");
}

bool objective_uses_text(const std::string& objective) {
  return objective != "copy_detection";
}

}  // namespace roz::core

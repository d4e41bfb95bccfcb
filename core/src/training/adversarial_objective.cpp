// Multimodal contrastive adversarial training. Per batch, the image attack perturbs the images
// against the in-batch captions (a zero-shot head whose classes are the batch's distinct captions,
// so it maximises the image-to-text term of the loss), and the text-prompt attack edits the class
// prompts against the batch images under the class head (as `roz run` evaluates it); each image's
// caption is then its attacked prompt. With S(a,b) the scaled in-batch similarities and I the
// identity targets:
//   loss = w_t [CE(S(x,t_adv),I) + CE(S(t_adv,x),I)] + w_i [CE(S(x_adv,t),I) + CE(S(t,x_adv),I)]
// A modality not attacked (mode image or text) enters its term clean.
#include <c10/core/GradMode.h>
#include <ATen/ATen.h>

#include <map>

#include "pipeline/normalise_rows.hpp"
#include "objective.hpp"
#include "roz/attack.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/trainer.hpp"
#include "roz/core/zero_shot_head.hpp"
#include "roz/descriptor.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/seed.hpp"

namespace roz::core {

namespace {

class AdversarialObjective final : public TrainObjective {
 public:
  explicit AdversarialObjective(const ObjectiveContext& context) : c_(context) {
    const TrainOptions& o = context.options;
    if (o.adversarial != "image" && o.adversarial != "text" && o.adversarial != "both")
      throw SpecError("roz train: adversarial mode '" + o.adversarial + "': unknown (image, text, both)");
    if (o.image_weight < 0 || o.text_weight < 0 || o.image_weight + o.text_weight <= 0)
      throw SpecError("roz train: image_weight and text_weight must be >= 0 and not both 0");
    if (o.adversarial != "text") {
      image_attack_plugin_ = context.host.resolve(PluginKind::attack, parse_spec(o.image_attack));
      image_attack_ = context.host.create_attack(image_attack_plugin_);
    }
    if (o.adversarial != "image") {
      text_attack_plugin_ = context.host.resolve(PluginKind::attack, parse_spec(o.text_attack));
      if ((text_attack_plugin_.descriptor().capabilities & kAttacksText) == 0)
        throw SpecError("roz train: text_attack: " + text_attack_plugin_.label + " is not a text-prompt attack");
      text_attack_ = context.host.create_attack(text_attack_plugin_);
    }
  }

  at::Tensor loss(const TrainBatch& batch) override {
    Model& model = *c_.model;
    const at::Tensor tokens = c_.captions.tokens(batch.labels, batch.templates);
    at::Tensor x_adv, adv_tokens;
    model.set_training(false);  // attacks see the model as it is evaluated (no dropout)
    if (image_attack_) x_adv = attack_images(batch).detach();
    if (text_attack_) adv_tokens = attack_captions(batch);
    model.set_training(true);

    const at::Tensor img = model.encode_image(batch.pixels), txt = model.encode_text(tokens);
    const TrainOptions& o = c_.options;
    at::Tensor text_term =
        contrastive_cross_entropies(img, text_attack_ ? model.encode_text(adv_tokens) : txt, c_.log_scale);
    at::Tensor image_term =
        contrastive_cross_entropies(image_attack_ ? model.encode_image(x_adv) : img, txt, c_.log_scale);
    return o.text_weight * text_term + o.image_weight * image_term;
  }

  nlohmann::json config() const override {
    const TrainOptions& o = c_.options;
    return {{"adversarial", o.adversarial},
            {"image_attack", image_attack_ ? image_attack_plugin_.spec : ""},
            {"text_attack", text_attack_ ? text_attack_plugin_.spec : ""},
            {"image_weight", o.image_weight},
            {"text_weight", o.text_weight}};
  }

 private:
  std::vector<std::uint64_t> attack_seeds(const TrainBatch& batch, const char* stream) const {
    std::vector<std::uint64_t> seeds(batch.seeds.size());
    for (size_t i = 0; i < seeds.size(); ++i) seeds[i] = derive_seed(batch.seeds[i], stream, "");
    return seeds;
  }

  // Both attacks see logits at the temperature being trained (the model's own may differ).
  double training_scale() const { return std::exp(c_.log_scale.item<double>()); }

  // Against the batch's distinct captions: image i's class is its own caption's index.
  at::Tensor attack_images(const TrainBatch& batch) {
    PromptSet in_batch{{}, {"{}"}};
    std::map<std::string, std::int64_t> index;
    std::vector<std::int64_t> labels;
    std::vector<std::int64_t> first_label, first_template;
    for (size_t i = 0; i < batch.labels.size(); ++i) {
      const std::string& caption = c_.captions.text(batch.labels[i], batch.templates[i]);
      auto [it, added] = index.emplace(caption, static_cast<std::int64_t>(in_batch.class_names.size()));
      if (added) {
        in_batch.class_names.push_back(caption);
        first_label.push_back(batch.labels[i]);
        first_template.push_back(batch.templates[i]);
      }
      labels.push_back(it->second);
    }
    at::Tensor class_embeddings;
    {
      c10::NoGradGuard no_grad;
      class_embeddings =
          normalise_rows(c_.model->encode_text(c_.captions.tokens(first_label, first_template)).to(at::kFloat));
    }
    ZeroShotClassifier classifier(c_.model, ZeroShotHead(class_embeddings, training_scale()));
    const std::vector<std::uint64_t> seeds = attack_seeds(batch, "image-attack");
    AttackBatch attack_batch{batch.pixels, at::tensor(labels, at::kLong).to(batch.pixels.device()), seeds, &in_batch};
    return image_attack_->perturb(classifier, attack_batch).images;
  }

  // The class prompts attacked against the batch's images; each image's caption becomes the
  // attacked version of its own (class, template) prompt.
  at::Tensor attack_captions(const TrainBatch& batch) {
    const PromptSet& prompts = c_.captions.prompts();
    ZeroShotClassifier classifier(
        c_.model,
        ZeroShotHead(ZeroShotHead::from_prompts(*c_.model, prompts, 256).class_embeddings(), training_scale()));
    const std::vector<std::uint64_t> seeds = attack_seeds(batch, "text-attack");
    AttackBatch attack_batch{batch.pixels, at::tensor(batch.labels, at::kLong).to(batch.pixels.device()), seeds,
                             &prompts};
    const PromptAttackResult result = text_attack_->perturb_prompts(classifier, prompts, attack_batch);
    std::vector<std::string> captions;
    for (size_t i = 0; i < batch.labels.size(); ++i)
      captions.push_back(
          result.prompts.at(static_cast<size_t>(batch.labels[i])).at(static_cast<size_t>(batch.templates[i])));
    return c_.model->tokenize(captions);
  }

  ObjectiveContext c_;
  ResolvedPlugin image_attack_plugin_, text_attack_plugin_;
  std::shared_ptr<Attack> image_attack_, text_attack_;
};

}  // namespace

std::unique_ptr<TrainObjective> make_adversarial_objective(const ObjectiveContext& context) {
  return std::make_unique<AdversarialObjective>(context);
}

}  // namespace roz::core

// The zero-shot head: cosine(image embedding, class embedding) * logit_scale -> logits.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "roz/classifier.hpp"

namespace roz::core {

class ZeroShotHead {
 public:
  // class_embeddings: [C,D], rows L2-normalised.
  ZeroShotHead(at::Tensor class_embeddings, double logit_scale);

  // The CLIP prompt ensemble: every template filled with every class name, text embeddings
  // L2-normalised, averaged per class, renormalised.
  static ZeroShotHead from_prompts(Model& model, const PromptSet& prompts, std::int64_t batch_size);
  // The same ensemble over explicit prompts, one list per class (e.g. attacked prompts).
  static ZeroShotHead from_class_prompts(Model& model, const std::vector<std::vector<std::string>>& prompts,
                                         std::int64_t batch_size);
  // Class prototypes from labelled support images (few-shot head): normalised image embeddings
  // averaged per class, renormalised. Every class needs at least one image.
  static ZeroShotHead from_support_images(Model& model, const at::Tensor& images, const at::Tensor& labels,
                                          std::int64_t num_classes, std::int64_t batch_size);

  // [N,D] -> [N,C]; differentiable.
  at::Tensor logits(const at::Tensor& image_embeddings) const;
  std::int64_t num_classes() const;
  const at::Tensor& class_embeddings() const { return class_embeddings_; }
  double logit_scale() const { return logit_scale_; }

 private:
  at::Tensor class_embeddings_;
  double logit_scale_;
};

class ZeroShotClassifier final : public Classifier {
 public:
  ZeroShotClassifier(std::shared_ptr<Model> model, ZeroShotHead head);
  at::Tensor logits(const at::Tensor& images) override;
  // The head on image embeddings the model already computed. The class embeddings move to the
  // embeddings' device once, at the first call there, not per batch.
  at::Tensor logits_of_embeddings(const at::Tensor& image_embeddings);
  std::int64_t num_classes() const override { return head_.num_classes(); }
  Model& model() override { return *model_; }
  const ZeroShotHead& head() const { return head_; }

 private:
  std::shared_ptr<Model> model_;
  ZeroShotHead head_;
};

}  // namespace roz::core

#include "roz/core/zero_shot_head.hpp"

#include <c10/core/GradMode.h>
#include <ATen/ATen.h>

#include <string>

#include "pipeline/normalise_rows.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"

namespace roz::core {

at::Tensor normalise_rows(const at::Tensor& x) {
  return x / x.norm(2, -1, true).clamp_min(1e-12);
}

ZeroShotHead::ZeroShotHead(at::Tensor class_embeddings, double logit_scale)
    : class_embeddings_(std::move(class_embeddings)), logit_scale_(logit_scale) {
  if (class_embeddings_.dim() != 2 || class_embeddings_.size(0) == 0)
    throw Error("zero-shot head: class embeddings must be a non-empty [C,D] matrix");
}

ZeroShotHead ZeroShotHead::from_prompts(Model& model, const PromptSet& prompts, std::int64_t batch_size) {
  if (prompts.class_names.empty() || prompts.templates.empty())
    throw Error("zero-shot head: need at least one class name and one template");
  return from_class_prompts(model, class_prompts(prompts), batch_size);
}

ZeroShotHead ZeroShotHead::from_class_prompts(Model& model, const std::vector<std::vector<std::string>>& prompts,
                                              std::int64_t batch_size) {
  if (prompts.empty()) throw Error("zero-shot head: no classes");
  c10::NoGradGuard no_grad;
  std::vector<at::Tensor> classes;
  for (const std::vector<std::string>& texts : prompts) {
    if (texts.empty()) throw Error("zero-shot head: a class has no prompt");
    std::vector<at::Tensor> parts;
    for (size_t start = 0; start < texts.size(); start += static_cast<size_t>(batch_size)) {
      std::vector<std::string> chunk(
          texts.begin() + static_cast<std::ptrdiff_t>(start),
          texts.begin() + static_cast<std::ptrdiff_t>(std::min(texts.size(), start + batch_size)));
      parts.push_back(normalise_rows(model.encode_text(model.tokenize(chunk)).to(at::kFloat)));
    }
    classes.push_back(normalise_rows(at::cat(parts).mean(0)));
  }
  return ZeroShotHead(at::stack(classes), model.logit_scale());
}

ZeroShotHead ZeroShotHead::from_support_images(Model& model, const at::Tensor& images, const at::Tensor& labels,
                                               std::int64_t num_classes, std::int64_t batch_size) {
  c10::NoGradGuard no_grad;
  std::vector<at::Tensor> parts;
  for (std::int64_t start = 0; start < images.size(0); start += batch_size) {
    at::Tensor chunk = images.slice(0, start, std::min(images.size(0), start + batch_size));
    parts.push_back(normalise_rows(model.encode_image(chunk).to(at::kFloat)));
  }
  at::Tensor embeddings = at::cat(parts);
  at::Tensor sums = at::zeros({num_classes, embeddings.size(1)}, embeddings.options());
  sums.index_add_(0, labels.to(embeddings.device(), at::kLong), embeddings);
  at::Tensor counts = at::bincount(labels.to(at::kLong), {}, num_classes);
  if ((counts == 0).any().item<bool>()) throw DataError("zero-shot head: some classes have no support image");
  return ZeroShotHead(normalise_rows(sums), model.logit_scale());
}

at::Tensor ZeroShotHead::logits(const at::Tensor& image_embeddings) const {
  at::Tensor w = class_embeddings_.to(image_embeddings.device());
  return logit_scale_ * at::matmul(normalise_rows(image_embeddings.to(at::kFloat)), w.t());
}

std::int64_t ZeroShotHead::num_classes() const {
  return class_embeddings_.size(0);
}

ZeroShotClassifier::ZeroShotClassifier(std::shared_ptr<Model> model, ZeroShotHead head)
    : model_(std::move(model)), head_(std::move(head)) {}

at::Tensor ZeroShotClassifier::logits(const at::Tensor& images) {
  return logits_of_embeddings(model_->encode_image(images));
}

at::Tensor ZeroShotClassifier::logits_of_embeddings(const at::Tensor& image_embeddings) {
  if (head_.class_embeddings().device() != image_embeddings.device())
    head_ = ZeroShotHead(head_.class_embeddings().to(image_embeddings.device()), head_.logit_scale());
  return head_.logits(image_embeddings);
}

}  // namespace roz::core

#include "roz/core/label_set_classifier.hpp"

#include <ATen/ATen.h>

#include "roz/core/class_match.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"

namespace roz::core {

LabelSetClassifier::LabelSetClassifier(std::shared_ptr<Model> model, const std::vector<std::string>& dataset_classes,
                                       const std::vector<std::string>& source,
                                       const std::vector<std::int64_t>& source_indices)
    : model_(std::move(model)) {
  const std::vector<std::string> labels = model_->class_names();
  model_classes_ = static_cast<std::int64_t>(labels.size());
  const ClassMatch m = match_classes({dataset_classes, source, source_indices}, {labels, {}, {}});
  if (!m.ambiguous.empty())
    throw Error("image classifier: the dataset's class '" + m.ambiguous + "' is at positions " +
                std::to_string(m.ambiguous_first) + " and " + std::to_string(m.ambiguous_second) +
                " of its label set: name the dataset's classes with a class file equal to the classifier's "
                "list (a manifest's classes: {file: ...}) so that positions tell them apart");
  if (!m.missing.empty()) {
    std::string missing;
    for (std::size_t i = 0; i < m.missing.size() && i < 5; ++i) missing += (i == 0 ? "'" : ", '") + m.missing[i] + "'";
    throw Error("image classifier of " + std::to_string(labels.size()) + " fixed classes: " +
                std::to_string(m.missing.size()) + " of the dataset's " + std::to_string(dataset_classes.size()) +
                " are not among them: " + missing + (m.missing.size() > 5 ? ", ..." : ""));
  }
  columns_ = m.columns;
}

at::Tensor LabelSetClassifier::logits(const at::Tensor& images) {
  at::Tensor all = model_->classify(images);
  if (all.dim() != 2 || all.size(0) != images.size(0) || all.size(1) != model_classes_)
    throw Error("classify returned logits of shape " + c10::str(all.sizes()) + ", expected [" +
                std::to_string(images.size(0)) + ", " + std::to_string(model_classes_) + "] (one per class name)");
  if (!index_.defined() || index_.device() != all.device()) index_ = at::tensor(columns_, at::kLong).to(all.device());
  return all.index_select(1, index_);
}

}  // namespace roz::core

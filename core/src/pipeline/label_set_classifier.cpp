#include "roz/core/label_set_classifier.hpp"

#include <ATen/ATen.h>

#include <map>

#include "roz/error.hpp"
#include "roz/model.hpp"

namespace roz::core {

LabelSetClassifier::LabelSetClassifier(std::shared_ptr<Model> model, const std::vector<std::string>& dataset_classes)
    : model_(std::move(model)) {
  const std::vector<std::string> labels = model_->class_names();
  model_classes_ = static_cast<std::int64_t>(labels.size());
  std::map<std::string, std::int64_t> column;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (!column.emplace(labels[i], static_cast<std::int64_t>(i)).second)
      throw Error("image classifier: class '" + labels[i] + "' appears twice in its label set");
  std::string missing;
  std::size_t missing_count = 0;
  for (const std::string& name : dataset_classes) {
    auto it = column.find(name);
    if (it != column.end()) {
      columns_.push_back(it->second);
    } else if (++missing_count <= 5) {
      missing += (missing.empty() ? "'" : ", '") + name + "'";
    }
  }
  if (missing_count > 0)
    throw Error("image classifier of " + std::to_string(labels.size()) + " fixed classes: " +
                std::to_string(missing_count) + " of the dataset's " + std::to_string(dataset_classes.size()) +
                " are not among them: " + missing + (missing_count > 5 ? ", ..." : ""));
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

#include "roz/core/label_set_classifier.hpp"

#include <ATen/ATen.h>

#include <map>

#include "roz/error.hpp"
#include "roz/model.hpp"

namespace roz::core {

LabelSetClassifier::LabelSetClassifier(std::shared_ptr<Model> model, const std::vector<std::string>& dataset_classes,
                                       const std::vector<std::string>& source,
                                       const std::vector<std::int64_t>& source_indices)
    : model_(std::move(model)) {
  const std::vector<std::string> labels = model_->class_names();
  model_classes_ = static_cast<std::int64_t>(labels.size());
  if (dataset_classes == labels) {
    for (std::int64_t i = 0; i < model_classes_; ++i) columns_.push_back(i);
    return;
  }
  if (!source.empty() && source == labels && source_indices.size() == dataset_classes.size()) {
    columns_ = source_indices;
    return;
  }
  std::map<std::string, std::vector<std::int64_t>> columns;
  for (std::size_t i = 0; i < labels.size(); ++i) columns[labels[i]].push_back(static_cast<std::int64_t>(i));
  std::string missing;
  std::size_t missing_count = 0;
  for (const std::string& name : dataset_classes) {
    auto it = columns.find(name);
    if (it != columns.end() && it->second.size() > 1)
      throw Error("image classifier: the dataset's class '" + name + "' is at positions " +
                  std::to_string(it->second[0]) + " and " + std::to_string(it->second[1]) +
                  " of its label set: name the dataset's classes with a class file equal to the classifier's "
                  "list (a manifest's classes: {file: ...}) so that positions tell them apart");
    if (it != columns.end()) {
      columns_.push_back(it->second.front());
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

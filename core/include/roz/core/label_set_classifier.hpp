// What attacks see of an image classifier (a model with a fixed label set, roz/model.hpp): its
// logits restricted to a dataset's classes, matched by name. This is imagenet-testbed's protocol for
// class subsets (ImageNet-R and -A keep the logits of their 200 classes). Not thread-safe.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

#include "roz/classifier.hpp"

namespace roz::core {

class LabelSetClassifier final : public Classifier {
 public:
  // The dataset's classes matched to the model's list by class_match.hpp's rule (`source`:
  // the list a manifest's class file gave, `source_indices`: each class's position there; a name
  // may appear twice in such a list, as 'missile' in CLIP's ImageNet names), else by name. Throws
  // Error naming the missing classes, or a name the model's list holds twice.
  LabelSetClassifier(std::shared_ptr<Model> model, const std::vector<std::string>& dataset_classes,
                     const std::vector<std::string>& source = {}, const std::vector<std::int64_t>& source_indices = {});
  at::Tensor logits(const at::Tensor& images) override;
  std::int64_t num_classes() const override { return static_cast<std::int64_t>(columns_.size()); }
  Model& model() override { return *model_; }

 private:
  std::shared_ptr<Model> model_;
  std::vector<std::int64_t> columns_;  // the model's logit column of each dataset class
  std::int64_t model_classes_ = 0;
  at::Tensor index_;  // columns_ on the device of the last batch
};

}  // namespace roz::core

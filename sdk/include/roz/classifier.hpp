// A model plus a zero-shot head: what attacks see.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

class Model;

// The class prompts a zero-shot head is built from (the CLIP prompt ensemble).
struct PromptSet {
  std::vector<std::string> class_names;
  std::vector<std::string> templates;  // "{}" stands for the class name
};

// Every template filled with every class name: [class][template]. A template without "{}" throws.
std::vector<std::vector<std::string>> class_prompts(const PromptSet& prompts);

class Classifier {
 public:
  virtual ~Classifier();
  // [N,3,R,R] in [0,1] -> logits [N,C]; differentiable with respect to images.
  virtual at::Tensor logits(const at::Tensor& images) = 0;
  virtual std::int64_t num_classes() const = 0;
  virtual Model& model() = 0;
};

}  // namespace roz

#pragma GCC visibility pop

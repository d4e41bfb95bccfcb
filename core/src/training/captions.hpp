// The training captions: every prompt template filled with every class name, and their tokens.
// A sample's caption is the template its (seed, epoch, sample id) draws, filled with its class.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "roz/classifier.hpp"

namespace roz {
class Model;
}

namespace roz::core {

class Captions {
 public:
  // Without a model (an objective that reads no text) there are texts but no tokens.
  Captions(Model* model, PromptSet prompts);

  const PromptSet& prompts() const { return prompts_; }
  std::int64_t templates() const { return static_cast<std::int64_t>(prompts_.templates.size()); }
  const std::string& text(std::int64_t label, std::int64_t template_index) const;
  // Token rows for the given (label, template) pairs: [N, context].
  at::Tensor tokens(const std::vector<std::int64_t>& labels, const std::vector<std::int64_t>& template_indices) const;

 private:
  PromptSet prompts_;
  std::vector<std::vector<std::string>> texts_;  // [class][template]
  at::Tensor tokens_;                            // [classes x templates, context]
};

}  // namespace roz::core

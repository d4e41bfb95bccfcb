#include "captions.hpp"

#include <ATen/ATen.h>

#include "roz/model.hpp"

namespace roz::core {

Captions::Captions(Model* model, PromptSet prompts) : prompts_(std::move(prompts)), texts_(class_prompts(prompts_)) {
  if (model == nullptr) return;
  std::vector<std::string> flat;
  for (const auto& row : texts_) flat.insert(flat.end(), row.begin(), row.end());
  tokens_ = model->tokenize(flat);
}

const std::string& Captions::text(std::int64_t label, std::int64_t template_index) const {
  return texts_.at(static_cast<size_t>(label)).at(static_cast<size_t>(template_index));
}

at::Tensor Captions::tokens(const std::vector<std::int64_t>& labels,
                            const std::vector<std::int64_t>& template_indices) const {
  std::vector<std::int64_t> rows(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) rows[i] = labels[i] * templates() + template_indices[i];
  return tokens_.index_select(0, at::tensor(rows, at::kLong));
}

}  // namespace roz::core

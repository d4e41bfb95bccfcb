// The attack interface. Images are float RGB NCHW in [0,1]; eps and step sizes are in the same
// [0,1] pixel units (RobustBench/AutoAttack convention).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "roz/classifier.hpp"
#include "roz/descriptor.hpp"

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

struct AttackBatch {
  at::Tensor images;                    // [N,3,R,R] in [0,1]
  at::Tensor labels;                    // [N] int64, true labels
  std::span<const std::uint64_t> seeds;  // one per sample, from (run seed, condition, sample id)
  const PromptSet* prompts = nullptr;   // the target head's prompts (transfer and text attacks)
};

struct AttackResult {
  at::Tensor images;  // adversarial images, inside the eps-ball and [0,1]
  std::int64_t gradient_evaluations = 0;
  std::int64_t queries = 0;  // forward passes (score queries) used
};

// A text-prompt attack returns the attacked prompts, one list per class.
struct PromptAttackResult {
  std::vector<std::vector<std::string>> prompts;
  std::int64_t queries = 0;
};

class Attack : public Plugin {
 public:
  ~Attack() override;
  // Must not change the classifier's parameters.
  virtual AttackResult perturb(Classifier& target, const AttackBatch& batch) = 0;
  // Attacks declaring kAttacksText implement this; the default says it is not supported.
  virtual PromptAttackResult perturb_prompts(Classifier& target, const PromptSet& prompts,
                                             const AttackBatch& batch);
};

}  // namespace roz

#pragma GCC visibility pop

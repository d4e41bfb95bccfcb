// The attack interface. Images are float RGB NCHW in [0,1]; eps and step sizes are in the same
// [0,1] pixel units (RobustBench/AutoAttack convention).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "roz/classifier.hpp"
#include "roz/descriptor.hpp"

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

enum class Norm { linf, l2 };

// The eps-ball around each clean image an attack promises to stay inside.
struct ThreatModel {
  Norm norm = Norm::linf;
  double eps = 0;
};

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

// Usage (a plugin): derive, pass the threat model the parameters chose, implement perturb_:
//   class MyAttack final : public roz::Attack {
//    public:
//     explicit MyAttack(const roz::Params& p) : Attack(roz::ThreatModel{roz::Norm::linf, p.get_real("eps")}) {}
//    private:
//     roz::AttackResult perturb_(roz::Classifier& target, const roz::AttackBatch& batch) override;
//   };
// The public calls are non-virtual and check the contract once, here, for every attack (spdlog's
// base_sink / sink_it_). One object is used by one thread at a time.
class Attack : public Plugin {
 public:
  ~Attack() override;
  // Runs perturb_, then checks its result: images defined, of the input's shape and dtype, in [0,1]
  // and, when the attack declared a threat model, inside its eps-ball (float slack 1e-6 for L-inf,
  // 1e-4 for L2); counts not negative. A violation throws roz::Error saying which. perturb_ must not
  // change the classifier's parameters.
  AttackResult perturb(Classifier& target, const AttackBatch& batch);
  // Attacks declaring kAttacksText: runs perturb_prompts_, then checks one list per class of the
  // prompts, one prompt per template.
  PromptAttackResult perturb_prompts(Classifier& target, const PromptSet& prompts, const AttackBatch& batch);

  const std::optional<ThreatModel>& threat_model() const { return threat_model_; }

 protected:
  Attack() = default;
  // Minimum-norm attacks (C&W, DeepFool, unbounded FAB) and text attacks declare none.
  explicit Attack(std::optional<ThreatModel> threat_model) : threat_model_(threat_model) {}

 private:
  virtual AttackResult perturb_(Classifier& target, const AttackBatch& batch) = 0;
  // The default says the attack does not attack text prompts.
  virtual PromptAttackResult perturb_prompts_(Classifier& target, const PromptSet& prompts, const AttackBatch& batch);

  std::optional<ThreatModel> threat_model_;
};

}  // namespace roz

#pragma GCC visibility pop

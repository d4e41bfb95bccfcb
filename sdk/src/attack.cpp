// The attack contract, checked once for every attack on the way out of perturb.
#include "roz/attack.hpp"

#include <string>

#include "roz/error.hpp"

namespace roz {

namespace {

// Float slack of the eps-ball check: a projection rounds to within an ulp or two of eps (L-inf) and
// a norm rescaling to within a relative 1e-6 or so (L2).
double slack(Norm norm) {
  return norm == Norm::linf ? 1e-6 : 1e-4;
}

void check_images(const AttackResult& result, const AttackBatch& batch, const std::optional<ThreatModel>& threat) {
  if (!result.images.defined()) throw Error("perturb returned no images");
  if (result.images.sizes() != batch.images.sizes() || result.images.scalar_type() != batch.images.scalar_type())
    throw Error("perturb returned images " + c10::str(result.images.sizes(), " ", result.images.scalar_type()) +
                ", expected its input's " + c10::str(batch.images.sizes(), " ", batch.images.scalar_type()));
  if (result.images.numel() == 0) return;
  const double low = result.images.min().item<double>(), high = result.images.max().item<double>();
  if (!(low >= 0.0 && high <= 1.0))
    throw Error("perturb returned pixels outside [0,1] (min " + std::to_string(low) + ", max " + std::to_string(high) +
                ")");
  if (!threat) return;
  const at::Tensor delta = result.images.sub(batch.images).flatten(1);  // methods: ATen/core/Tensor.h suffices
  const at::Tensor norms = threat->norm == Norm::linf ? delta.abs().amax(1) : delta.norm(2, 1);
  const double worst = norms.max().item<double>();
  if (!(worst <= threat->eps + slack(threat->norm)))
    throw Error("perturb returned an image " + std::to_string(worst) + " from its input in " +
                (threat->norm == Norm::linf ? "L-inf" : "L2") + ", beyond its eps " + std::to_string(threat->eps));
}

}  // namespace

Attack::~Attack() = default;

AttackResult Attack::perturb(Classifier& target, const AttackBatch& batch) {
  AttackResult result = perturb_(target, batch);
  check_images(result, batch, threat_model_);
  if (result.gradient_evaluations < 0 || result.queries < 0)
    throw Error("perturb returned a negative count of gradient evaluations or queries");
  return result;
}

PromptAttackResult Attack::perturb_prompts(Classifier& target, const PromptSet& prompts, const AttackBatch& batch) {
  PromptAttackResult result = perturb_prompts_(target, prompts, batch);
  if (result.prompts.size() != prompts.class_names.size())
    throw Error("perturb_prompts returned prompts for " + std::to_string(result.prompts.size()) +
                " classes, expected " + std::to_string(prompts.class_names.size()));
  for (std::size_t c = 0; c < result.prompts.size(); ++c)
    if (result.prompts[c].size() != prompts.templates.size())
      throw Error("perturb_prompts returned " + std::to_string(result.prompts[c].size()) + " prompts for class '" +
                  prompts.class_names[c] + "', expected one per template (" + std::to_string(prompts.templates.size()) +
                  ")");
  return result;
}

PromptAttackResult Attack::perturb_prompts_(Classifier&, const PromptSet&, const AttackBatch&) {
  throw Error("this attack does not attack text prompts (it does not declare the 'text' capability)");
}

}  // namespace roz

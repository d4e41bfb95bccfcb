// Building blocks the built-in attacks share: threat models (projection, ascent directions), losses,
// per-sample randomness, and running an attack on the points still classified correctly. Built once
// as a static library linked into each attack plugin; the reference for how attacks are written.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "roz/attack.hpp"
#include "roz/context.hpp"
#include "roz/params.hpp"

namespace roz::attacks {

using roz::Norm;  // the SDK's (roz/attack.hpp): threat models are part of the attack contract
Norm parse_norm(const std::string& name);

// adv projected onto {x : ||x - clean|| <= eps} and [0,1], per sample. For L2 the ball projection
// comes first, then the box: the result may sit strictly inside the ball, never outside it.
at::Tensor project(const at::Tensor& adv, const at::Tensor& clean, double eps, Norm norm);

// The steepest-ascent unit step for a gradient: sign(g) (L-inf) or g / ||g||_2 (L2), per sample.
at::Tensor ascent_direction(const at::Tensor& grad, Norm norm);

// Per-sample values [N] shaped to broadcast against `like` ([N,1,1,1] for images).
at::Tensor per_sample_view(const at::Tensor& values, const at::Tensor& like);

// Per-sample L-inf and L2 norms of a batch of differences, [N].
at::Tensor per_sample_norm(const at::Tensor& delta, Norm norm);

// Random tensors shaped like `like`, sample i drawn from its own generator seeded by
// (seeds[i], stream): a sample's randomness never depends on which samples share its batch.
at::Tensor uniform_like(const at::Tensor& like, std::span<const std::uint64_t> seeds, std::uint64_t stream,
                        double lo = 0.0, double hi = 1.0);
at::Tensor normal_like(const at::Tensor& like, std::span<const std::uint64_t> seeds, std::uint64_t stream);
// A sample's own scalar stream: seed for std:: or OpenCV generators.
std::uint64_t sample_stream(std::uint64_t seed, std::uint64_t stream);

// A random point of the eps-ball around clean (uniform per coordinate for L-inf; uniform direction
// and radius for L2), clipped to [0,1].
at::Tensor random_start(const at::Tensor& clean, double eps, Norm norm, std::span<const std::uint64_t> seeds,
                        std::uint64_t stream);

// What an attack maximises, per sample. Untargeted: cross-entropy (ce), the difference of logits
// ratio (dlr, Croce & Hein 2020) or the margin max_{j != y} z_j - z_y (margin, Carlini-Wagner).
// Targeted (targets given): -ce to the target, the targeted dlr, or z_t - max_{j != t} z_j.
enum class Loss { ce, dlr, margin };
Loss parse_loss(const std::string& name);
at::Tensor loss_per_sample(const at::Tensor& logits, const at::Tensor& labels, Loss loss,
                           const at::Tensor& targets = {});

struct LossGradient {
  at::Tensor loss;    // [N]
  at::Tensor grad;    // d sum(loss) / d x, shaped like x
  at::Tensor logits;  // [N,C] at x, detached
};
// One forward and backward pass of the classifier at x (its parameters untouched).
LossGradient loss_gradient(Classifier& target, const at::Tensor& x, const at::Tensor& labels, Loss loss,
                           const at::Tensor& targets = {});

// A gradient-masking flag, like AutoAttack's: warns through the plugin's logger when the input
// gradient is zero or not finite for some samples. Returns whether it did.
bool warn_if_masked(const at::Tensor& grad, const PluginContext& context, const std::string& attack);

// [N] bool: misclassified (untargeted) or classified as the target (targeted).
at::Tensor succeeded(const at::Tensor& logits, const at::Tensor& labels, const at::Tensor& targets = {});

// The sub-batch of the given rows (images, labels, seeds; prompts shared).
struct SubBatch {
  at::Tensor images, labels;
  std::vector<std::uint64_t> seeds;
  const PromptSet* prompts = nullptr;
  AttackBatch view() const { return {images, labels, seeds, prompts}; }
};
SubBatch select(const AttackBatch& batch, const at::Tensor& rows);

// Runs `attack` only on the points the target still classifies correctly (one forward pass finds
// them) and returns the whole batch: the others unchanged. Counts that pass as queries.
AttackResult attack_correct_only(Classifier& target, const AttackBatch& batch,
                                 const std::function<AttackResult(const AttackBatch&)>& attack);

// The budget every multi-run attack shares (APGD, FAB): threat model, iterations, restarts and the
// targeted variant's number of target classes. Their options derive from it.
struct RunBudget {
  double eps = 8.0 / 255;
  Norm norm = Norm::linf;
  int steps = 100;
  int restarts = 1;
  bool targeted = false;
  int target_classes = 9;  // targeted: the classes ranked 2nd..(k+1)th by the clean logits
};
std::vector<ParamSpec> run_budget_params(const RunBudget& defaults, const std::string& eps_help, double eps_max,
                                         const std::string& targeted_help);
void read_run_budget(const Params& params, RunBudget& budget);

}  // namespace roz::attacks

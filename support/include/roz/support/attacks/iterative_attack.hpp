// The iterative gradient attacks (BIM, PGD, MI-FGSM, DI-FGSM) as one algorithm with options: they
// differ in the start (clean or random), momentum and input diversity, not in their loop.
#pragma once

#include <vector>

#include "roz/support/attacks/attack_ops.hpp"
#include "roz/params.hpp"

namespace roz::attacks {

struct IterativeOptions {
  double eps = 8.0 / 255;
  Norm norm = Norm::linf;
  int steps = 10;
  double step_size = 0;       // 0: 2.5 * eps / steps (Madry et al.)
  bool random_start = false;
  int restarts = 1;
  double momentum = 0;        // MI-FGSM's decay mu; 0: none
  double diversity_prob = 0;  // DI-FGSM: probability of the random resize-and-pad per step
  double resize_rate = 0.9;   // DI-FGSM: the smallest resize, as a fraction of the side
  Loss loss = Loss::ce;
};

// Defaults differ per attack; every iterative attack has the same parameters.
std::vector<ParamSpec> iterative_params(const IterativeOptions& defaults);
IterativeOptions iterative_options(const Params& params);

// Runs the attack on the points still classified correctly; a point leaves the loop at the first
// iterate that fools the model (kept as its result); the others end at their last iterate. Restarts
// begin again only for points not fooled yet.
AttackResult iterative_attack(Classifier& target, const AttackBatch& batch, const IterativeOptions& options,
                              const PluginContext& context, const std::string& name);

}  // namespace roz::attacks

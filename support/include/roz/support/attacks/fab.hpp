// FAB (Croce & Hein 2020, "Minimally distorted adversarial examples with a fast adaptive boundary
// attack"): at each step, linearise the classifier, project both the current point and the original
// onto the closest linearised decision boundary (inside [0,1]), move to a convex combination of the
// two projections (biased towards the original, so the perturbation stays small) with an overshoot,
// and after each success step back towards the original. Untargeted (closest class) or targeted at
// each of the top-k other classes in turn (FAB-T). Keeps each point's smallest adversarial; with
// eps > 0 only those within eps count.
#pragma once

#include <vector>

#include "roz/support/attacks/attack_ops.hpp"
#include "roz/params.hpp"

namespace roz::attacks {

struct FabOptions : RunBudget {  // eps 0: unbounded (minimal perturbations)
  double alpha_max = 0.1, eta = 1.05, beta = 0.9;
};

std::vector<ParamSpec> fab_params(const FabOptions& defaults);
FabOptions fab_options(const Params& params);

AttackResult fab_attack(Classifier& target, const AttackBatch& batch, const FabOptions& options,
                        const PluginContext& context, const std::string& name);

// The smallest step d (in the norm) with w.d = c and 0 <= x + d <= 1, per sample (rows of x, w and
// c), found by bisection on the step's scale; when the box cannot reach c, the largest step towards it.
at::Tensor project_to_hyperplane(const at::Tensor& x, const at::Tensor& w, const at::Tensor& c, Norm norm);

}  // namespace roz::attacks

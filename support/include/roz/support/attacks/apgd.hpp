// Auto-PGD (Croce & Hein 2020, "Reliable evaluation of adversarial robustness with an ensemble of
// diverse parameter-free attacks"): PGD with momentum 0.75 whose per-sample step size starts at
// 2 eps and halves at checkpoints when the loss stalls, restarting from the best point. Untargeted,
// or targeted at each of the top-k other classes in turn (APGD-T).
#pragma once

#include <vector>

#include "roz/support/attacks/attack_ops.hpp"
#include "roz/params.hpp"

namespace roz::attacks {

struct ApgdOptions : RunBudget {
  Loss loss = Loss::ce;
  double rho = 0.75;  // condition 1: share of steps that must raise the loss between checkpoints
};

std::vector<ParamSpec> apgd_params(const ApgdOptions& defaults);
ApgdOptions apgd_options(const Params& params);

AttackResult apgd_attack(Classifier& target, const AttackBatch& batch, const ApgdOptions& options,
                         const PluginContext& context, const std::string& name);

// The checkpoint iterations w_j = ceil(p_j * steps), p_0 = 0, p_1 = 0.22,
// p_{j+1} = p_j + max(p_j - p_{j-1} - 0.03, 0.06).
std::vector<int> apgd_checkpoints(int steps);

}  // namespace roz::attacks

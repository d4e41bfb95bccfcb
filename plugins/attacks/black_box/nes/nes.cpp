// NES (Ilyas et al. 2018): score-based attack, gradients estimated from antithetic Gaussian samples; projected steps,
// margin loss, scores only (every forward pass counts as a query).
#include "black_box_attacks_library.hpp"
#include "roz/support/attacks/score_based.hpp"

roz::PluginDescriptor roz::builtin::describe_nes() {
  return {.name = "nes",
          .kind = roz::PluginKind::attack,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description = "NES: score-based attack, gradients estimated from antithetic Gaussian samples",
          .params = roz::attacks::estimated_gradient_params(),
          .capabilities = roz::kNeedsScoresOnly,
          .create = [](const roz::Params& p, const roz::PluginContext&) {
            return roz::attacks::make_estimated_gradient_attack(p, false, "nes");
          }};
}

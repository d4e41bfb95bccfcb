// PGD (Madry et al. 2018): projected gradient ascent from a random start in the eps-ball, with restarts.
#include "roz/support/attacks/attack_plugin.hpp"
#include "roz/support/attacks/iterative_attack.hpp"
#include "white_box_attacks_library.hpp"

roz::PluginDescriptor roz::builtin::describe_pgd() {
  roz::attacks::IterativeOptions defaults;
  defaults.random_start = true;
  return roz::attacks::function_attack<roz::attacks::IterativeOptions>(
      "pgd", "PGD: projected gradient ascent from a random start in the eps-ball, with restarts (L-inf or L2)",
      roz::attacks::iterative_params(defaults), roz::attacks::iterative_options, roz::attacks::iterative_attack);
}

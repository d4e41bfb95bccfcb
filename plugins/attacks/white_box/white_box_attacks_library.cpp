#include "white_box_attacks_library.hpp"

namespace {

std::vector<roz::PluginDescriptor> describe_all() {
  return {roz::builtin::describe_apgd_ce(), roz::builtin::describe_apgd_dlr(), roz::builtin::describe_autoattack(),
          roz::builtin::describe_bim(),     roz::builtin::describe_cw_l2(),    roz::builtin::describe_deepfool(),
          roz::builtin::describe_dim(),     roz::builtin::describe_fab(),      roz::builtin::describe_fgsm(),
          roz::builtin::describe_mim(),     roz::builtin::describe_min_eps(),  roz::builtin::describe_pgd()};
}

}  // namespace

ROZ_PLUGINS(describe_all)

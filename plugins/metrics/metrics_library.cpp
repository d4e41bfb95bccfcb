#include "metrics_library.hpp"

namespace {

std::vector<roz::PluginDescriptor> describe_all() {
  return {roz::builtin::describe_accuracy(),
          roz::builtin::describe_anchor_accuracy(),
          roz::builtin::describe_attack_success(),
          roz::builtin::describe_calibration(),
          roz::builtin::describe_corruption_error(),
          roz::builtin::describe_effective_robustness(),
          roz::builtin::describe_embedding_stability(),
          roz::builtin::describe_ood_detection()};
}

}  // namespace

ROZ_PLUGINS(describe_all)

#include "black_box_attacks_library.hpp"

namespace {

std::vector<roz::PluginDescriptor> describe_all() {
  return {roz::builtin::describe_nes(), roz::builtin::describe_spsa(), roz::builtin::describe_square(),
          roz::builtin::describe_transfer()};
}

}  // namespace

ROZ_PLUGINS(describe_all)

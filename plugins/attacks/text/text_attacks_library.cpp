#include "text_attacks_library.hpp"

namespace {

std::vector<roz::PluginDescriptor> describe_all() {
  return {roz::builtin::describe_char_edit(), roz::builtin::describe_mmcoa(), roz::builtin::describe_multimodal(),
          roz::builtin::describe_word_substitution()};
}

}  // namespace

ROZ_PLUGINS(describe_all)

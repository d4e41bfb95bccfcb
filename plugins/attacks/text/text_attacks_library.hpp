// Attacks on the class prompts (character edits, word substitution) and the multimodal co-attack.
// One shared library, text_attacks.so; each plugin's folder defines its descriptor function.
#pragma once

#include "roz/plugin.hpp"

namespace roz::builtin {

PluginDescriptor describe_char_edit();
PluginDescriptor describe_mmcoa();
PluginDescriptor describe_multimodal();
PluginDescriptor describe_word_substitution();

}  // namespace roz::builtin

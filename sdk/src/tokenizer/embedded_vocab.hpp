// The embedded CLIP merges file (internal to the SDK).
#pragma once

#include <string>

namespace roz::tokenizer {

// The text of bpe_simple_vocab_16e6.txt.
std::string embedded_merges();

}  // namespace roz::tokenizer

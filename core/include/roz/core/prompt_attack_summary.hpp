// What a text-prompt attack did to the class prompts of a condition (words changed: word-level edit
// distance to the original prompt, counted by the host). Stored with the condition.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace roz::core {

struct PromptAttackSummary {
  std::int64_t points = 0;   // images the prompts were attacked on
  std::int64_t prompts = 0;  // class x template prompts
  std::int64_t prompts_changed = 0;
  std::int64_t max_words_changed = 0;
  double mean_words_changed = 0;
  std::vector<std::pair<std::string, std::string>> examples;  // (original, attacked), the first changed ones
};

}  // namespace roz::core

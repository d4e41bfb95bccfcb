// A text-prompt attack's summary as JSON: one layout for the results store, roz eval's report and
// the run report.
#pragma once

#include <nlohmann/json.hpp>

#include "roz/core/prompt_attack_summary.hpp"

namespace roz::core {

inline nlohmann::json prompt_attack_json(const PromptAttackSummary& p) {
  nlohmann::json examples = nlohmann::json::array();
  for (const auto& [original, attacked] : p.examples)
    examples.push_back({{"original", original}, {"attacked", attacked}});
  return {{"points", p.points},
          {"prompts", p.prompts},
          {"prompts_changed", p.prompts_changed},
          {"max_words_changed", p.max_words_changed},
          {"mean_words_changed", p.mean_words_changed},
          {"examples", examples}};
}

inline PromptAttackSummary prompt_attack_from_json(const nlohmann::json& j) {
  PromptAttackSummary p;
  p.points = j.at("points");
  p.prompts = j.at("prompts");
  p.prompts_changed = j.at("prompts_changed");
  p.max_words_changed = j.at("max_words_changed");
  p.mean_words_changed = j.at("mean_words_changed");
  for (const auto& e : j.at("examples")) p.examples.emplace_back(e.at("original"), e.at("attacked"));
  return p;
}

}  // namespace roz::core

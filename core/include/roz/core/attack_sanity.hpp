// Sanity checks over the attack conditions of each (model, dataset) of a result model, in the spirit of AutoAttack's flags
// against gradient masking: robust accuracy that rises with eps for the same attack, and a
// score-based (black-box) attack that beats every gradient attack at the same norm and eps. Each
// finding is a sentence naming the conditions and their accuracies.
#pragma once

#include <string>
#include <vector>


namespace roz::core {

class Registry;
struct Results;

// An attack spec without its eps: conditions of one family differ only in budget.
std::string attack_family(const std::string& spec);

// Reads the finished attack conditions' top1 (scope condition); conditions of different models or
// datasets are never compared.
std::vector<std::string> attack_sanity_warnings(const Results& results, const Registry& registry);

}  // namespace roz::core

// YAML configs for `roz eval`. A plugin spec in YAML is either a spec string or a map with `name`
// and the same keys as the spec string:
//   attacks:
//     - fgsm:eps=4/255
//     - {name: fgsm, eps: 8/255, norm: linf}
//     - name: transfer
//       source: {name: torchscript, path: a.pt}
#pragma once

#include <filesystem>
#include <string>

#include "roz/core/evaluator.hpp"

namespace roz::core {

// Reads the file into options (keys: model, dataset, corruptions, attacks, metrics, templates,
// support_per_class, per_class, limit, seed, batch_size, prompt_attack_points). Unknown keys and malformed values throw
// SpecError naming the file and the key.
EvalOptions load_eval_config(const std::filesystem::path& path);

// The same, from YAML text; `source` names it in errors.
EvalOptions parse_eval_config(const std::string& yaml, const std::string& source);

}  // namespace roz::core

#include "parameter_selection.hpp"

#include <algorithm>
#include <functional>
#include <set>

#include "roz/error.hpp"
#include "roz/spec.hpp"

namespace roz::core {

std::vector<ModelParameter> select_parameters(std::vector<ModelParameter> parameters, const std::string& selection,
                                              const std::string& model_label) {
  using Tower = ModelParameter::Tower;
  const std::string what = "roz train: trainable '" + selection + "'";
  std::function<bool(const ModelParameter&)> keep;
  if (selection == "all") {
    keep = [](const ModelParameter&) { return true; };
  } else if (selection == "image" || selection == "text") {
    const Tower tower = selection == "image" ? Tower::image : Tower::text;
    keep = [tower](const ModelParameter& p) { return p.tower == tower; };
  } else if (selection == "projection") {
    keep = [](const ModelParameter& p) { return p.projection; };
  } else if (selection.rfind("last:", 0) == 0) {
    long long n = 0;
    if (!parse_integer(selection.substr(5), n) || n < 1) throw SpecError(what + ": N must be an integer >= 1");
    std::set<int> blocks;
    for (const ModelParameter& p : parameters)
      if (p.tower == Tower::image && p.block != ModelParameter::kBeforeBlocks &&
          p.block != ModelParameter::kAfterBlocks)
        blocks.insert(p.block);
    if (static_cast<long long>(blocks.size()) < n)
      throw SpecError(what + ": " + model_label + " has " + std::to_string(blocks.size()) + " image-tower blocks");
    const int first = *std::next(blocks.rbegin(), static_cast<std::ptrdiff_t>(n - 1));
    keep = [first](const ModelParameter& p) {
      return p.tower == Tower::image && p.block != ModelParameter::kBeforeBlocks && p.block >= first;
    };
  } else {
    throw SpecError(what + ": unknown (all, image, text, projection, last:N)");
  }
  std::erase_if(parameters, [&](const ModelParameter& p) { return !keep(p); });
  if (parameters.empty()) throw SpecError(what + ": " + model_label + " has no such parameters");
  return parameters;
}

}  // namespace roz::core

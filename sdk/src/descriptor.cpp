#include "roz/descriptor.hpp"

#include <utility>

namespace roz {

Plugin::~Plugin() = default;

std::string_view to_string(PluginKind kind) {
  switch (kind) {
    case PluginKind::model: return "model";
    case PluginKind::attack: return "attack";
    case PluginKind::corruption: return "corruption";
    case PluginKind::metric: return "metric";
  }
  return "?";
}

std::optional<PluginKind> parse_plugin_kind(std::string_view text) {
  for (PluginKind k : {PluginKind::model, PluginKind::attack, PluginKind::corruption, PluginKind::metric})
    if (to_string(k) == text) return k;
  return std::nullopt;
}

std::vector<std::string> capability_names(std::uint32_t capabilities) {
  static const std::pair<Capability, const char*> kNames[] = {
      {kNeedsGradients, "white-box"},     {kNeedsScoresOnly, "black-box"},
      {kNeedsSourceModel, "transfer"},    {kAttacksText, "text"},
      {kDeterministic, "deterministic"},  {kPerCondition, "per-condition"},
      {kAcrossConditions, "across-conditions"}, {kAcrossModels, "across-models"},
  };
  std::vector<std::string> out;
  for (const auto& [bit, name] : kNames)
    if (capabilities & bit) out.emplace_back(name);
  return out;
}

}  // namespace roz

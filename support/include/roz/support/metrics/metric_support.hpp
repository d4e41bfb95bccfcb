// What the built-in metrics share: a value without an interval, how a condition is named in errors,
// and which condition is the in-distribution clean reference.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "roz/metric.hpp"
#include "roz/protocol.hpp"

namespace roz::metrics {

inline MetricValue value(std::string name, double v, Unit unit) {
  return {std::move(name), v, unit, std::nullopt, std::nullopt};
}

inline std::string label(const ConditionInfo& c) {
  return "condition '" + c.condition + "' of '" + c.dataset + "'";
}

inline bool has_role(const ConditionInfo& c, const std::string& role) {
  auto it = c.attributes.find(roz::protocol::attribute::role);
  return it != c.attributes.end() && it->second == role;
}

// The clean condition of the in-distribution dataset (role in_distribution); when no condition has
// a role (roz eval), the first clean condition.
inline const ConditionInfo* in_distribution_clean(const std::vector<ConditionSummary>& conditions) {
  const bool has_roles = std::any_of(conditions.begin(), conditions.end(), [](const auto& c) {
    return c.info.attributes.count(roz::protocol::attribute::role);
  });
  for (const auto& c : conditions)
    if (c.info.kind == roz::protocol::kind::clean &&
        (!has_roles || has_role(c.info, roz::protocol::role::in_distribution)))
      return &c.info;
  return nullptr;
}

}  // namespace roz::metrics

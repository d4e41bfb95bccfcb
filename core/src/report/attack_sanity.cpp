#include "roz/core/attack_sanity.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "roz/core/registry.hpp"
#include "roz/core/results.hpp"
#include "roz/protocol.hpp"
#include "roz/spec.hpp"

namespace roz::core {

namespace {

struct AttackPoint {
  std::string condition, family;  // family: the spec without eps
  std::string norm;
  double eps = -1, accuracy = 0, stderr_ = 0;
  bool scores_only = false, gradients = false;
};

std::string accuracy_percent(double v) {
  std::ostringstream s;
  s.precision(1);
  s << std::fixed << 100 * v << "%";
  return s.str();
}

// The eps-parameterised attack conditions of one (model, dataset) with a top-1, with their threat
// model and capabilities.
std::vector<AttackPoint> attack_points(const Results& results, const std::string& model, const std::string& dataset,
                                       const Registry& registry) {
  std::vector<AttackPoint> points;
  for (const StoredCondition& c : results.conditions) {
    if (c.info.model != model || c.info.dataset != dataset || c.info.kind != protocol::kind::attack || c.samples == 0)
      continue;
    const StoredSummary* top1 = find_value(results, c.id, protocol::metric::top1);
    if (top1 == nullptr) continue;
    Spec spec = parse_spec(c.info.condition);
    AttackPoint p;
    p.condition = c.info.condition;
    p.accuracy = top1->value.value;
    p.stderr_ = std::sqrt(std::max(p.accuracy * (1 - p.accuracy), 0.25 / static_cast<double>(c.samples)) /
                          static_cast<double>(c.samples));
    for (const auto& [key, value] : spec.params) {
      if (key == protocol::parameter::eps && value.kind == SpecValue::Kind::scalar) parse_number(value.text, p.eps);
      if (key == "norm") p.norm = value.text;
    }
    if (p.eps < 0) continue;  // not eps-parameterised (or nested): nothing to compare
    p.family = attack_family(c.info.condition);
    const auto capabilities = registry.find(PluginKind::attack, spec.name).descriptor->capabilities;
    p.scores_only = (capabilities & kNeedsScoresOnly) != 0;
    p.gradients = (capabilities & kNeedsGradients) != 0;
    if (p.norm.empty()) p.norm = "linf";
    points.push_back(p);
  }
  return points;
}

// The same attack at a larger eps should not leave more points correct (beyond two standard errors).
void warn_if_accuracy_rises_with_eps(const std::vector<AttackPoint>& points, std::vector<std::string>& warnings) {
  std::map<std::string, std::vector<const AttackPoint*>> families;
  for (const AttackPoint& p : points) families[p.family].push_back(&p);
  for (auto& [family, members] : families) {
    std::sort(members.begin(), members.end(), [](auto* a, auto* b) { return a->eps < b->eps; });
    for (std::size_t i = 1; i < members.size(); ++i) {
      const AttackPoint &small = *members[i - 1], &large = *members[i];
      if (large.eps > small.eps && large.accuracy > small.accuracy + 2 * std::hypot(small.stderr_, large.stderr_))
        warnings.push_back("robust accuracy rises with eps: " + accuracy_percent(small.accuracy) + " under '" +
                           small.condition + "' but " + accuracy_percent(large.accuracy) + " under '" +
                           large.condition + "'; the attack is failing (too few steps, or gradient masking)");
    }
  }
}

// A black-box attack should not beat every white-box attack of the same threat model.
void warn_if_black_box_wins(const std::vector<AttackPoint>& points, std::vector<std::string>& warnings) {
  for (const AttackPoint& black : points) {
    if (!black.scores_only) continue;
    const AttackPoint* best_white = nullptr;
    for (const AttackPoint& white : points)
      if (white.gradients && white.norm == black.norm && std::abs(white.eps - black.eps) < 1e-12 &&
          (best_white == nullptr || white.accuracy < best_white->accuracy))
        best_white = &white;
    if (best_white != nullptr &&
        black.accuracy + 2 * std::hypot(black.stderr_, best_white->stderr_) < best_white->accuracy)
      warnings.push_back("a score-based attack beats the gradient attacks: " + accuracy_percent(black.accuracy) +
                         " under '" + black.condition + "', at best " + accuracy_percent(best_white->accuracy) +
                         " under '" + best_white->condition +
                         "'; gradients may be masked, the white-box results overestimate robustness");
  }
}

}  // namespace

std::string attack_family(const std::string& spec_text) {
  const Spec spec = parse_spec(spec_text);
  Spec family{spec.name, {}};
  for (const auto& [key, value] : spec.params)
    if (key != protocol::parameter::eps || value.kind != SpecValue::Kind::scalar)
      family.params.emplace_back(key, value);
  return family.to_string();
}

std::vector<std::string> attack_sanity_warnings(const Results& results, const Registry& registry) {
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<std::string> warnings;
  for (const StoredCondition& c : results.conditions) {
    if (!seen.insert({c.info.model, c.info.dataset}).second) continue;
    const std::vector<AttackPoint> points = attack_points(results, c.info.model, c.info.dataset, registry);
    warn_if_accuracy_rises_with_eps(points, warnings);
    warn_if_black_box_wins(points, warnings);
  }
  return warnings;
}

}  // namespace roz::core

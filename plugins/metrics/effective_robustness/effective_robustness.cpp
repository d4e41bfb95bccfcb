// effective_robustness: robustness to natural distribution shifts beyond what in-distribution
// accuracy predicts (Taori et al. 2020, "Measuring Robustness to Natural Distribution Shifts in Image
// Classification"). Accuracies are the accuracy plugin's top1 on each model's in-distribution clean
// condition (kind clean, role in_distribution) and on each shift dataset (kind clean, role shift).
// Per (model, shift dataset), a row with the shift condition's info and
//   relative_robustness  = acc_shift - acc_id (negative when the shift hurts);
//   effective_robustness = acc_shift - sigmoid(slope * logit(acc_id) + intercept), with the fit
//                          reported as fit_slope and fit_intercept.
// The fit is the parameters slope and intercept when given (a published trend; the same one for every
// shift dataset), else the least-squares line in logit space over the run's models on that shift
// dataset (logit_fit.hpp). With fewer than two distinct in-distribution accuracies there is no fit and
// only relative_robustness is reported.
#include <map>

#include "logit_fit.hpp"
#include "metrics_library.hpp"
#include "roz/metric.hpp"
#include "roz/protocol.hpp"
#include "roz/support/descriptor.hpp"
#include "roz/support/metrics/metric_support.hpp"

namespace effective_robustness {
namespace {

using roz::metrics::has_role;
using roz::metrics::value;

double top1(const roz::ConditionSummary& c) {
  for (const auto& v : c.values)
    if (v.name == roz::protocol::metric::top1) return v.value;
  throw roz::DataError("effective_robustness: condition '" + c.info.condition + "' of '" + c.info.dataset +
                       "' (model '" + c.info.model + "') has no top1 value (add the accuracy metric)");
}

// One model's accuracies: in-distribution, and its shift conditions.
struct ModelAccuracy {
  double id = 0;
  std::vector<const roz::ConditionSummary*> shifts;
};

ModelAccuracy model_accuracy(const std::vector<roz::ConditionSummary>& conditions) {
  ModelAccuracy m;
  const roz::ConditionSummary* id = nullptr;
  for (const auto& c : conditions) {
    if (c.info.kind != roz::protocol::kind::clean)
      continue;  // accuracy under a shift is the shift dataset's clean accuracy
    if (!id && has_role(c.info, roz::protocol::role::in_distribution)) id = &c;
    if (has_role(c.info, roz::protocol::role::shift)) m.shifts.push_back(&c);
  }
  if (m.shifts.empty()) return m;
  if (!id)
    throw roz::DataError("effective_robustness: model '" + conditions.front().info.model +
                         "' has shift datasets but no in-distribution clean condition");
  m.id = top1(*id);
  return m;
}

class EffectiveRobustness final : public roz::Metric {
 public:
  explicit EffectiveRobustness(const roz::Params& params) {
    if (params.has("slope") != params.has("intercept"))
      throw roz::ParamError("effective_robustness: give both slope and intercept, or neither (then they are fitted)");
    if (params.has("slope")) given_ = LogitFit{params.get_real("slope"), params.get_real("intercept")};
  }

  std::vector<roz::ConditionSummary> across_models(
      const std::vector<std::vector<roz::ConditionSummary>>& models) override {
    std::vector<ModelAccuracy> accuracies;
    std::map<std::string, std::vector<std::pair<double, double>>> by_dataset;  // shift dataset -> (id, shift)
    for (const auto& conditions : models) {
      if (conditions.empty()) continue;
      accuracies.push_back(model_accuracy(conditions));
      for (const auto* shift : accuracies.back().shifts)
        by_dataset[shift->info.dataset].emplace_back(accuracies.back().id, top1(*shift));
    }
    std::map<std::string, std::optional<LogitFit>> fits;
    for (const auto& [dataset, points] : by_dataset) fits[dataset] = given_ ? given_ : fit_logit_line(points);

    std::vector<roz::ConditionSummary> out;
    for (const auto& m : accuracies)
      for (const auto* shift : m.shifts) {
        const double acc = top1(*shift);
        roz::ConditionSummary row{shift->info, {value("relative_robustness", acc - m.id, roz::Unit::fraction)}};
        if (const auto& fit = fits[shift->info.dataset]) {
          row.values.push_back(value("effective_robustness", acc - fit->predict(m.id), roz::Unit::fraction));
          row.values.push_back(value("fit_slope", fit->slope, roz::Unit::number));
          row.values.push_back(value("fit_intercept", fit->intercept, roz::Unit::number));
        }
        out.push_back(std::move(row));
      }
    return out;
  }

 private:
  std::optional<LogitFit> given_;
};

}  // namespace
}  // namespace effective_robustness

roz::PluginDescriptor roz::builtin::describe_effective_robustness() {
  return roz::support::descriptor(
      "effective_robustness", roz::PluginKind::metric,
      "effective and relative robustness on role=shift datasets against a logit-space linear trend (Taori et al. "
      "2020), fitted over the run's models or given",
      {roz::param::optional(
           roz::param::real("slope", 1, std::nullopt, std::nullopt, "slope of a published logit-space trend")),
       roz::param::optional(
           roz::param::real("intercept", 0, std::nullopt, std::nullopt, "intercept of a published logit-space trend"))},
      roz::kAcrossModels, roz::factory<effective_robustness::EffectiveRobustness>());
}

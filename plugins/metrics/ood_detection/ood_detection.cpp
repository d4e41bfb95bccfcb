// ood_detection: how well a model's confidence separates in-distribution from out-of-distribution
// images. In-distribution: the clean condition with role in_distribution (when no condition has a
// role, the first clean condition); OOD sets: every condition with role ood. Scores (ood_scores.hpp):
// MSP and MCM, the latter at temperature `mcm_temperature` on cosine = logits / logit_scale, the
// condition's attributes[roz::protocol::attribute::logit_scale]. Each OOD condition gets a row with its own info and
// `auroc_msp`, `fpr95_msp`, `auroc_mcm`, `fpr95_mcm` (detection_metrics.hpp: in-distribution samples
// are the positives). Without the in-distribution condition or its records, or for an OOD condition
// without records, there is nothing to compare and no row.
#include <algorithm>
#include <string>

#include "detection_metrics.hpp"
#include "metrics_library.hpp"
#include "ood_scores.hpp"
#include "roz/metric.hpp"
#include "roz/protocol.hpp"
#include "roz/spec.hpp"
#include "roz/support/descriptor.hpp"
#include "roz/support/metrics/metric_support.hpp"

namespace ood_detection {
namespace {

using roz::metrics::has_role;
using roz::metrics::in_distribution_clean;
using roz::metrics::label;
using roz::metrics::value;

double logit_scale(const roz::ConditionInfo& c) {
  auto it = c.attributes.find(roz::protocol::attribute::logit_scale);
  if (it == c.attributes.end())
    throw roz::DataError("ood_detection: " + label(c) + " has no logit_scale attribute (MCM needs the cosines)");
  double scale = 0;
  if (!roz::parse_number(it->second, scale) || !(scale > 0))
    throw roz::DataError("ood_detection: " + label(c) + ": logit_scale '" + it->second + "' is not a positive number");
  return scale;
}

struct Scores {
  std::vector<double> msp, mcm;
};

Scores score(const roz::ConditionInfo& c, const roz::RecordReader& records, double tau) {
  const double scale = logit_scale(c);
  Scores s;
  records(c, [&](const roz::SampleRecord& r) {
    if (r.logits.empty())
      throw roz::DataError("ood_detection: " + label(c) + ": sample '" + r.sample_id + "' has no logits");
    s.msp.push_back(msp(r.logits));
    s.mcm.push_back(mcm(r.logits, scale, tau));
  });
  return s;
}

class OodDetection final : public roz::Metric {
 public:
  explicit OodDetection(const roz::Params& params) : tau_(params.get_real("mcm_temperature")) {}

  std::vector<roz::ConditionSummary> across_conditions(const std::vector<roz::ConditionSummary>& conditions,
                                                       const roz::RecordReader& records) override {
    const roz::ConditionInfo* reference = in_distribution_clean(conditions);
    if (!reference) return {};
    const Scores id = score(*reference, records, tau_);
    if (id.msp.empty()) return {};
    std::vector<roz::ConditionSummary> out;
    for (const auto& c : conditions) {
      if (!has_role(c.info, roz::protocol::role::ood)) continue;
      const Scores ood = score(c.info, records, tau_);
      if (ood.msp.empty()) continue;
      out.push_back({c.info,
                     {value("auroc_msp", auroc(id.msp, ood.msp), roz::Unit::fraction),
                      value("fpr95_msp", fpr_at_95_tpr(id.msp, ood.msp), roz::Unit::fraction),
                      value("auroc_mcm", auroc(id.mcm, ood.mcm), roz::Unit::fraction),
                      value("fpr95_mcm", fpr_at_95_tpr(id.mcm, ood.mcm), roz::Unit::fraction)}});
    }
    return out;
  }

 private:
  double tau_;
};

}  // namespace
}  // namespace ood_detection

roz::PluginDescriptor roz::builtin::describe_ood_detection() {
  return roz::support::descriptor(
      "ood_detection", roz::PluginKind::metric,
      "OOD detection (AUROC, FPR at 95% TPR) of the MSP and MCM scores, in-distribution clean vs each role=ood set",
      {roz::param::real("mcm_temperature", 1.0, 1e-6, std::nullopt, "MCM's softmax temperature tau on the cosines")},
      roz::kAcrossConditions, roz::factory<ood_detection::OodDetection>());
}

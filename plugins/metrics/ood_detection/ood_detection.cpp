// ood_detection: how well a model's confidence separates in-distribution from out-of-distribution
// images, both scored over the in-distribution classes. Each condition with role ood is compared
// with the clean condition of its label space (protocol::attribute::label_space: the
// in_distribution dataset whose head scored it; the host never scores an OOD set with its own
// classes, where MSP would compare confidences over two label spaces). Scores (ood_scores.hpp): MSP;
// MCM at temperature `mcm_temperature` on cosine = logits / logit_scale, the condition's
// attributes[protocol::attribute::logit_scale] (not for an image classifier's logits, which are no
// scaled cosines); max logit; energy at `energy_temperature`. Each OOD
// condition gets a row with its own info and, per score S in msp, mcm, max_logit, energy: `auroc_S`,
// `fpr95_S`, `aupr_in_S`, `aupr_out_S` (detection_metrics.hpp: in-distribution samples are the
// positives, except for AUPR-Out). Without the in-distribution condition or its records, or for an
// OOD condition without records, there is nothing to compare and no row.
#include <map>
#include <optional>
#include <string>
#include <vector>

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
using roz::metrics::label;
using roz::metrics::value;

// The zero-shot head's logit scale; none for an image classifier's logits (no cosines: no MCM).
std::optional<double> logit_scale(const roz::ConditionInfo& c) {
  auto it = c.attributes.find(roz::protocol::attribute::logit_scale);
  auto head = c.attributes.find(roz::protocol::attribute::head);
  if (it == c.attributes.end() && head != c.attributes.end() && head->second == roz::protocol::head::label_set)
    return std::nullopt;
  if (it == c.attributes.end())
    throw roz::DataError("ood_detection: " + label(c) + " has no logit_scale attribute (MCM needs the cosines)");
  double scale = 0;
  if (!roz::parse_number(it->second, scale) || !(scale > 0))
    throw roz::DataError("ood_detection: " + label(c) + ": logit_scale '" + it->second + "' is not a positive number");
  return scale;
}

struct Temperatures {
  double mcm, energy;
};

// In the order the rows list them.
const char* const kScoreNames[] = {"msp", "mcm", "max_logit", "energy"};

// One score per record, by score name, and the number of classes the logits were over.
struct Scores {
  std::map<std::string, std::vector<double>> by_name;
  std::size_t classes = 0;
};

Scores score(const roz::ConditionInfo& c, const roz::RecordReader& records, Temperatures t) {
  const std::optional<double> scale = logit_scale(c);
  Scores s;
  records(c, [&](const roz::SampleRecord& r) {
    if (r.logits.empty())
      throw roz::DataError("ood_detection: " + label(c) + ": sample '" + r.sample_id + "' has no logits");
    if (s.classes != 0 && r.logits.size() != s.classes)
      throw roz::DataError("ood_detection: " + label(c) + ": sample '" + r.sample_id + "' has " +
                           std::to_string(r.logits.size()) + " logits, the others " + std::to_string(s.classes));
    s.classes = r.logits.size();
    s.by_name["msp"].push_back(msp(r.logits));
    if (scale) s.by_name["mcm"].push_back(mcm(r.logits, *scale, t.mcm));
    s.by_name["max_logit"].push_back(max_logit(r.logits));
    s.by_name["energy"].push_back(energy(r.logits, t.energy));
  });
  return s;
}

std::vector<double> negated(std::vector<double> v) {
  for (double& x : v) x = -x;
  return v;
}

// The clean condition of the in_distribution dataset an OOD condition was scored with.
const roz::ConditionInfo* reference_of(const roz::ConditionInfo& ood, const std::vector<roz::ConditionSummary>& all) {
  auto space = ood.attributes.find(roz::protocol::attribute::label_space);
  if (space == ood.attributes.end())
    throw roz::DataError("ood_detection: " + label(ood) +
                         " has no label_space attribute: it was scored with its own classes (a results store from "
                         "before RoZ scored OOD sets with the in-distribution head; run it again)");
  for (const auto& c : all)
    if (c.info.kind == roz::protocol::kind::clean && c.info.dataset == space->second &&
        has_role(c.info, roz::protocol::role::in_distribution))
      return &c.info;
  return nullptr;
}

class OodDetection final : public roz::Metric {
 public:
  explicit OodDetection(const roz::Params& params)
      : t_{params.get_real("mcm_temperature"), params.get_real("energy_temperature")} {}

  std::vector<roz::ConditionSummary> across_conditions(const std::vector<roz::ConditionSummary>& conditions,
                                                       const roz::RecordReader& records) override {
    std::map<const roz::ConditionInfo*, Scores> id_scores;  // per in-distribution reference
    std::vector<roz::ConditionSummary> out;
    for (const auto& c : conditions) {
      if (!has_role(c.info, roz::protocol::role::ood)) continue;
      const roz::ConditionInfo* reference = reference_of(c.info, conditions);
      if (!reference) continue;
      auto id = id_scores.find(reference);
      if (id == id_scores.end()) id = id_scores.emplace(reference, score(*reference, records, t_)).first;
      if (id->second.classes == 0) continue;
      const Scores ood = score(c.info, records, t_);
      if (ood.classes == 0) continue;
      if (ood.classes != id->second.classes)
        throw roz::DataError("ood_detection: " + label(c.info) + " has " + std::to_string(ood.classes) +
                             " logits per image, its in-distribution " + label(*reference) + " " +
                             std::to_string(id->second.classes));
      roz::ConditionSummary row{c.info, {}};
      for (const std::string name : kScoreNames) {
        if (!ood.by_name.count(name) || !id->second.by_name.count(name)) continue;  // MCM of a classifier
        const std::vector<double>&in = id->second.by_name.at(name), &away = ood.by_name.at(name);
        row.values.push_back(value("auroc_" + name, auroc(in, away), roz::Unit::fraction));
        row.values.push_back(value("fpr95_" + name, fpr_at_95_tpr(in, away), roz::Unit::fraction));
        row.values.push_back(value("aupr_in_" + name, aupr(in, away), roz::Unit::fraction));
        row.values.push_back(value("aupr_out_" + name, aupr(negated(away), negated(in)), roz::Unit::fraction));
      }
      out.push_back(std::move(row));
    }
    return out;
  }

 private:
  Temperatures t_;
};

}  // namespace
}  // namespace ood_detection

roz::PluginDescriptor roz::builtin::describe_ood_detection() {
  return roz::support::descriptor(
      "ood_detection", roz::PluginKind::metric,
      "OOD detection (AUROC, FPR at 95% TPR, AUPR-In, AUPR-Out) of the MSP, MCM, max-logit and energy scores: each "
      "role=ood set against the clean in-distribution set whose classes it was scored with",
      {roz::param::real("mcm_temperature", 1.0, 1e-6, std::nullopt, "MCM's softmax temperature tau on the cosines"),
       roz::param::real("energy_temperature", 1.0, 1e-6, std::nullopt, "the energy score's temperature T")},
      roz::kAcrossConditions, roz::factory<ood_detection::OodDetection>());
}

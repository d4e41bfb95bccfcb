// corruption_error: ImageNet-C's corruption error and mCE (Hendrycks & Dietterich 2019, "Benchmarking
// Neural Network Robustness to Common Corruptions and Perturbations"). Errors are 1 - top1, the
// accuracy plugin's value, per dataset: its corruption conditions and its clean condition, the
// reference of relative CE (model_errors.hpp). Each dataset with corruption conditions is reported
// on its own.
//   baseline=alexnet (default), across conditions: CE_c = mean_s err(c,s) / AlexNet's mean error on c
//     (the published table, alexnet_errors.hpp; the same as sum_s err / sum_s err_AlexNet when all five
//     severities are present; with fewer, `severities` says so). Relative CE_c = (mean_s err(c,s) -
//     err_clean) / (AlexNet(c) - baseline_clean_error) only when baseline_clean_error is given: the
//     published table has no AlexNet clean error. Nothing across models.
//   baseline=<model spec> (one model of the run, as ConditionInfo.model writes it; spacing and quoting
//     may differ), across models: every other model against that one on the same dataset, over the
//     severities both have: CE_c = sum_s err(c,s) / sum_s err_base(c,s); relative CE_c = sum_s (err(c,s)
//     - err_clean) / sum_s (err_base(c,s) - err_base_clean), left out when that denominator is not
//     positive. No rows for the baseline itself, nothing across conditions.
// Rows: kind "summary", the model and the dataset, attributes[roz::protocol::attribute::baseline] = the baseline.
//   condition "ce:NAME", attributes[roz::protocol::attribute::corruption] = NAME, one per corruption: `mean_error`
//   (over its
//     severities), `severities` (their count) and, where the baseline has the corruption, `ce` and
//     `relative_ce`. A corruption without a baseline (speckle_noise and the other extra ones against
//     AlexNet) has its mean error only and stays out of the means.
//   condition "mce": `mce` and `relative_mce`, the means of ce and relative_ce over the corruptions that
//     have them, and `clean_error`.
#include <algorithm>
#include <iterator>

#include "alexnet_errors.hpp"
#include "metrics_library.hpp"
#include "model_errors.hpp"
#include "roz/metric.hpp"
#include "roz/protocol.hpp"
#include "roz/spec.hpp"
#include "roz/support/descriptor.hpp"
#include "roz/support/metrics/metric_support.hpp"

namespace corruption_error {
namespace {

using roz::metrics::value;

struct CorruptionError {
  std::string name;
  double mean_error = 0;
  std::int64_t severities = 0;
  std::optional<double> ce, relative_ce;
};

CorruptionError own_errors(const std::string& name, const std::map<std::int64_t, double>& by_severity) {
  double sum = 0;
  for (const auto& [severity, error] : by_severity) sum += error;
  return {name, sum / static_cast<double>(by_severity.size()), static_cast<std::int64_t>(by_severity.size()), {}, {}};
}

std::vector<CorruptionError> against_alexnet(const ModelErrors& m, std::optional<double> alexnet_clean_error) {
  std::vector<CorruptionError> out;
  for (const auto& [name, by_severity] : m.corruptions) {
    CorruptionError e = own_errors(name, by_severity);
    if (auto alexnet = alexnet_error(name)) {
      e.ce = e.mean_error / *alexnet;
      if (alexnet_clean_error && m.clean_error)
        e.relative_ce = (e.mean_error - *m.clean_error) / (*alexnet - *alexnet_clean_error);
    }
    out.push_back(e);
  }
  return out;
}

// Sums over the severities both models have, so a severity one of them lacks changes neither side.
std::vector<CorruptionError> against_model(const ModelErrors& m, const ModelErrors& base) {
  std::vector<CorruptionError> out;
  for (const auto& [name, by_severity] : m.corruptions) {
    CorruptionError e = own_errors(name, by_severity);
    if (auto b = base.corruptions.find(name); b != base.corruptions.end()) {
      double error = 0, base_error = 0, shared = 0;
      for (const auto& [severity, err] : by_severity)
        if (auto bs = b->second.find(severity); bs != b->second.end()) {
          error += err;
          base_error += bs->second;
          ++shared;
        }
      if (base_error > 0) e.ce = error / base_error;
      if (m.clean_error && base.clean_error) {  // no shared severity: above_clean = 0
        const double above_clean = base_error - shared * *base.clean_error;
        if (above_clean > 0) e.relative_ce = (error - shared * *m.clean_error) / above_clean;
      }
    }
    out.push_back(e);
  }
  return out;
}

std::optional<double> mean(const std::vector<CorruptionError>& errors, std::optional<double> CorruptionError::*field) {
  double sum = 0;
  std::int64_t n = 0;
  for (const auto& e : errors)
    if (e.*field) {
      sum += *(e.*field);
      ++n;
    }
  if (n == 0) return std::nullopt;
  return sum / static_cast<double>(n);
}

std::vector<roz::ConditionSummary> rows(const ModelErrors& m, const std::string& baseline,
                                        const std::vector<CorruptionError>& errors) {
  auto info = [&](std::string condition) {
    roz::ConditionInfo i;
    i.model = m.model;
    i.dataset = m.dataset;
    i.condition = std::move(condition);
    i.kind = roz::protocol::kind::summary;
    i.attributes[roz::protocol::attribute::baseline] = baseline;
    return i;
  };
  std::vector<roz::ConditionSummary> out;
  for (const auto& e : errors) {
    roz::ConditionSummary row{info("ce:" + e.name),
                              {value("mean_error", e.mean_error, roz::Unit::fraction),
                               value("severities", static_cast<double>(e.severities), roz::Unit::count)}};
    row.info.attributes[roz::protocol::attribute::corruption] = e.name;
    if (e.ce) row.values.push_back(value("ce", *e.ce, roz::Unit::ratio));
    if (e.relative_ce) row.values.push_back(value("relative_ce", *e.relative_ce, roz::Unit::ratio));
    out.push_back(std::move(row));
  }
  roz::ConditionSummary summary{info("mce"), {}};
  if (auto mce = mean(errors, &CorruptionError::ce)) summary.values.push_back(value("mce", *mce, roz::Unit::ratio));
  if (auto relative = mean(errors, &CorruptionError::relative_ce))
    summary.values.push_back(value("relative_mce", *relative, roz::Unit::ratio));
  if (m.clean_error) summary.values.push_back(value("clean_error", *m.clean_error, roz::Unit::fraction));
  out.push_back(std::move(summary));
  return out;
}

void append(std::vector<roz::ConditionSummary>& out, std::vector<roz::ConditionSummary> more) {
  out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

// The model spec as written, or the same spec written differently (spacing, quoting).
bool same_model(const std::string& a, const std::string& b) {
  if (a == b) return true;
  try {
    return roz::parse_spec(a).to_string() == roz::parse_spec(b).to_string();
  } catch (const roz::SpecError&) {
    return false;
  }
}

class CorruptionErrorMetric final : public roz::Metric {
 public:
  explicit CorruptionErrorMetric(const roz::Params& params) : baseline_(params.get_string("baseline")) {
    if (!params.has("baseline_clean_error")) return;
    if (baseline_ != "alexnet")
      throw roz::ParamError(
          "corruption_error: baseline_clean_error applies to baseline=alexnet only (a model baseline's clean "
          "error is measured)");
    alexnet_clean_error_ = params.get_real("baseline_clean_error");
    for (const auto& [name, error] : kAlexNetErrors)
      if (*alexnet_clean_error_ >= error)
        throw roz::ParamError("corruption_error: baseline_clean_error " + roz::format_number(*alexnet_clean_error_) +
                              " is not below AlexNet's error on " + std::string(name) + " (" +
                              roz::format_number(error) + ")");
  }

  std::vector<roz::ConditionSummary> across_conditions(const std::vector<roz::ConditionSummary>& conditions,
                                                       const roz::RecordReader&) override {
    if (baseline_ != "alexnet") return {};
    std::vector<roz::ConditionSummary> out;
    for (const ModelErrors& m : collect_errors(conditions))
      append(out, rows(m, baseline_, against_alexnet(m, alexnet_clean_error_)));
    return out;
  }

  std::vector<roz::ConditionSummary> across_models(
      const std::vector<std::vector<roz::ConditionSummary>>& models) override {
    if (baseline_ == "alexnet") return {};
    const std::vector<roz::ConditionSummary>* base = nullptr;
    std::string names;
    for (const auto& conditions : models) {
      if (conditions.empty()) continue;
      if (same_model(conditions.front().info.model, baseline_)) base = &conditions;
      names += (names.empty() ? "'" : ", '") + conditions.front().info.model + "'";
    }
    if (!base)
      throw roz::ParamError("corruption_error: baseline '" + baseline_ + "' is none of the run's models (" + names +
                            ")");
    const std::vector<ModelErrors> base_errors = collect_errors(*base);
    if (base_errors.empty())
      throw roz::DataError("corruption_error: baseline model '" + baseline_ + "' has no corruption conditions");
    std::vector<roz::ConditionSummary> out;
    for (const auto& conditions : models) {
      if (&conditions == base) continue;
      for (const ModelErrors& m : collect_errors(conditions)) {
        // A dataset the baseline was not corrupted on: mean errors only.
        ModelErrors none;
        auto same =
            std::find_if(base_errors.begin(), base_errors.end(), [&](const auto& b) { return b.dataset == m.dataset; });
        append(out, rows(m, baseline_, against_model(m, same != base_errors.end() ? *same : none)));
      }
    }
    return out;
  }

 private:
  std::string baseline_;
  std::optional<double> alexnet_clean_error_;
};

}  // namespace
}  // namespace corruption_error

roz::PluginDescriptor roz::builtin::describe_corruption_error() {
  return roz::support::descriptor(
      "corruption_error", roz::PluginKind::metric,
      "ImageNet-C corruption error (CE, mCE, relative mCE) against AlexNet's published errors or a model of the run",
      {roz::param::string("baseline", "alexnet",
                          "alexnet (published ImageNet-C errors, across conditions) or the spec of one model of the "
                          "run (across models)"),
       roz::param::optional(roz::param::real("baseline_clean_error", 0, 0, 1,
                                             "AlexNet's clean top-1 error, for relative CE against baseline=alexnet"))},
      roz::kAcrossConditions | roz::kAcrossModels, roz::factory<corruption_error::CorruptionErrorMetric>());
}

// corruption_error: ImageNet-C's corruption error and mCE (Hendrycks & Dietterich 2019, "Benchmarking
// Neural Network Robustness to Common Corruptions and Perturbations"). Errors are 1 - top1, the
// accuracy plugin's value, per dataset: its corruption conditions and its clean condition, the
// reference of relative CE (model_errors.hpp). Each dataset with corruption conditions is reported
// on its own. A CE is only ever a ratio to a baseline measured like the model:
//   against AlexNet's published ImageNet-C errors (alexnet_errors.hpp), across conditions, only for
//     ImageNet-C-style data: ImageNet's 1000 classes, every corruption applied to ImageNet-C's own
//     input (condition attribute corruption_input = imagenet_c: Resize 256 + CenterCrop 224, then
//     corrupted), and per corruption all five severities: CE_c = mean_s err(c,s) / AlexNet's mean error
//     on c. Relative CE_c = (mean_s err(c,s) - err_clean) / (AlexNet(c) - baseline_clean_error) only
//     when baseline_clean_error is given: the published table has no AlexNet clean error.
//   against a model of the run, across models: every other model against it on the same dataset, over
//     the severities both have: CE_c = sum_s err(c,s) / sum_s err_base(c,s); relative CE_c = sum_s
//     (err(c,s) - err_clean) / sum_s (err_base(c,s) - err_base_clean), left out when that denominator is
//     not positive. No rows for the baseline itself.
// baseline=auto (default): AlexNet on ImageNet-C-style data, elsewhere the run's first image classifier
// (head label_set), else no CE (mean errors only). baseline=alexnet: AlexNet where it applies, mean
// errors only elsewhere. baseline=<model spec>: that model everywhere.
// Rows: kind "summary", the model and the dataset, attributes[roz::protocol::attribute::baseline] = the
// baseline, or "none: " and why there is no CE.
//   condition "ce:NAME", attributes[roz::protocol::attribute::corruption] = NAME, one per corruption:
//     `mean_error` (over its severities), `severities` (their count) and, where the baseline has the
//     corruption, `ce` and `relative_ce`. A corruption without a baseline (speckle_noise and the other
//     extra ones against AlexNet) has its mean error only and stays out of the means.
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

// Why AlexNet's published errors are no baseline for these errors; empty when they are.
std::string not_imagenet_c(const ModelErrors& m) {
  std::string why;
  if (m.num_classes != 1000) why = std::to_string(m.num_classes) + " classes, not ImageNet's 1000";
  if (!m.imagenet_c_input)
    why += std::string(why.empty() ? "" : "; ") +
           "corrupted at the model's input, not ImageNet-C's (the dataset's corruption_input: imagenet_c)";
  if (why.empty()) return why;
  return "none: AlexNet's ImageNet-C errors apply to ImageNet-C-style data only (" + why + ")";
}

// ImageNet-C's CE, per corruption with all five severities.
std::vector<CorruptionError> against_alexnet(const ModelErrors& m, std::optional<double> alexnet_clean_error) {
  std::vector<CorruptionError> out;
  for (const auto& [name, by_severity] : m.corruptions) {
    CorruptionError e = own_errors(name, by_severity);
    bool all_severities = by_severity.size() == 5;
    for (std::int64_t severity = 1; severity <= 5; ++severity) all_severities &= by_severity.count(severity) > 0;
    if (auto alexnet = alexnet_error(name); alexnet && all_severities) {
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

std::vector<CorruptionError> mean_errors_only(const ModelErrors& m) {
  std::vector<CorruptionError> out;
  for (const auto& [name, by_severity] : m.corruptions) out.push_back(own_errors(name, by_severity));
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

// `required`: how many corruptions must have a CE for mCE to be their mean (AlexNet's: all 15 of
// ImageNet-C, so that an mCE is always ImageNet-C's mCE).
std::vector<roz::ConditionSummary> rows(const ModelErrors& m, const std::string& baseline,
                                        const std::vector<CorruptionError>& errors, std::size_t required = 0) {
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
  const auto with_ce = static_cast<std::size_t>(
      std::count_if(errors.begin(), errors.end(), [](const auto& e) { return e.ce.has_value(); }));
  if (with_ce >= required) {
    if (auto mce = mean(errors, &CorruptionError::ce)) summary.values.push_back(value("mce", *mce, roz::Unit::ratio));
    if (auto relative = mean(errors, &CorruptionError::relative_ce))
      summary.values.push_back(value("relative_mce", *relative, roz::Unit::ratio));
  } else {
    summary.info.attributes[roz::protocol::attribute::baseline] = baseline + " (no mCE: " + std::to_string(with_ce) +
                                                                  " of the " + std::to_string(required) +
                                                                  " corruptions have all five severities)";
  }
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
    if (baseline_ != "alexnet" && baseline_ != "auto")
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

  // AlexNet's baseline (alexnet, and auto on ImageNet-C-style data); with baseline=alexnet, mean errors
  // and the reason elsewhere.
  std::vector<roz::ConditionSummary> across_conditions(const std::vector<roz::ConditionSummary>& conditions,
                                                       const roz::RecordReader&) override {
    if (baseline_ != "alexnet" && baseline_ != "auto") return {};
    std::vector<roz::ConditionSummary> out;
    for (const ModelErrors& m : collect_errors(conditions)) {
      const std::string why = not_imagenet_c(m);
      if (why.empty())
        append(out, rows(m, "alexnet", against_alexnet(m, alexnet_clean_error_), kAlexNetErrors.size()));
      else if (baseline_ == "alexnet")
        append(out, rows(m, why, mean_errors_only(m)));
    }
    return out;
  }

  std::vector<roz::ConditionSummary> across_models(
      const std::vector<std::vector<roz::ConditionSummary>>& models) override {
    if (baseline_ == "alexnet") return {};
    if (baseline_ == "auto") return against_first_classifier(models);
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
  // baseline=auto off ImageNet-C-style data: the run's first image classifier, where it has errors on
  // the dataset; else mean errors only.
  std::vector<roz::ConditionSummary> against_first_classifier(
      const std::vector<std::vector<roz::ConditionSummary>>& models) const {
    const std::vector<roz::ConditionSummary>* base = nullptr;
    for (const auto& conditions : models)
      if (!base && !conditions.empty()) {
        auto head = conditions.front().info.attributes.find(roz::protocol::attribute::head);
        if (head != conditions.front().info.attributes.end() && head->second == roz::protocol::head::label_set)
          base = &conditions;
      }
    const std::vector<ModelErrors> base_errors = base ? collect_errors(*base) : std::vector<ModelErrors>{};
    std::vector<roz::ConditionSummary> out;
    for (const auto& conditions : models) {
      if (&conditions == base) continue;
      for (const ModelErrors& m : collect_errors(conditions)) {
        if (not_imagenet_c(m).empty()) continue;  // AlexNet's, across conditions
        auto same =
            std::find_if(base_errors.begin(), base_errors.end(), [&](const auto& b) { return b.dataset == m.dataset; });
        if (same != base_errors.end())
          append(out, rows(m, same->model, against_model(m, *same)));
        else
          append(out, rows(m,
                           "none: not ImageNet-C-style data (AlexNet's errors do not apply) and no image classifier "
                           "of the run was corrupted on it",
                           mean_errors_only(m)));
      }
    }
    return out;
  }

  std::string baseline_;
  std::optional<double> alexnet_clean_error_;
};

}  // namespace
}  // namespace corruption_error

roz::PluginDescriptor roz::builtin::describe_corruption_error() {
  return roz::support::descriptor(
      "corruption_error", roz::PluginKind::metric,
      "ImageNet-C corruption error (CE, mCE, relative mCE) against AlexNet's published errors or a model of the run",
      {roz::param::string("baseline", "auto",
                          "auto (AlexNet on ImageNet-C-style data, else the run's first image classifier), alexnet "
                          "(published ImageNet-C errors, ImageNet-C-style data only) or the spec of one model of the "
                          "run"),
       roz::param::optional(roz::param::real("baseline_clean_error", 0, 0, 1,
                                             "AlexNet's clean top-1 error, for relative CE against baseline=alexnet"))},
      roz::kAcrossConditions | roz::kAcrossModels, roz::factory<corruption_error::CorruptionErrorMetric>());
}

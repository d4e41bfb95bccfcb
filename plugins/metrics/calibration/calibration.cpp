// calibration: do the softmax confidences match the accuracy? (Guo et al. 2017, "On Calibration of
// Modern Neural Networks".)
// Per condition: `ece` (expected calibration error over `bins` equal-width confidence bins), `nll`
// (mean negative log-likelihood of the correct label under softmax(logits)), and for each non-empty
// bin k its reliability point `bin<k>_confidence` and `bin<k>_accuracy`.
// Across the conditions of a model: one temperature T fitted on the in-distribution clean condition
// (kind clean with role in_distribution; when no condition has a role, the first clean condition),
// then for every condition whose records the host keeps a row with that condition's info and
// `temperature` (T), `ece_ts` and `nll_ts` of softmax(logits / T). Without such a reference
// condition, or without its records, there is nothing to fit and nothing is reported across conditions.
#include <algorithm>
#include <memory>

#include "calibration_stats.hpp"
#include "metrics_library.hpp"
#include "roz/metric.hpp"
#include "roz/protocol.hpp"
#include "roz/support/descriptor.hpp"
#include "roz/support/metrics/accepted_labels.hpp"
#include "roz/support/metrics/metric_support.hpp"
#include "softmax.hpp"
#include "temperature_fit.hpp"

namespace calibration {
namespace {

using roz::metrics::in_distribution_clean;
using roz::metrics::value;

class CalibrationAccumulator final : public roz::MetricAccumulator {
 public:
  explicit CalibrationAccumulator(std::int64_t bins) : stats_(bins, 1.0) {}
  void add(const roz::SampleRecord& record) override { stats_.add(record); }
  std::vector<roz::MetricValue> finish() override {
    if (stats_.count() == 0) return {};
    std::vector<roz::MetricValue> out{value(roz::protocol::metric::ece, stats_.ece(), roz::Unit::fraction),
                                      value(roz::protocol::metric::nll, stats_.nll(), roz::Unit::nats)};
    // The reliability diagram: mean confidence and accuracy of every non-empty bin.
    const std::vector<CalibrationStats::Bin> bins = stats_.bins();
    for (size_t k = 0; k < bins.size(); ++k) {
      if (bins[k].count == 0) continue;
      out.push_back(value("bin" + std::to_string(k) + "_confidence", bins[k].confidence, roz::Unit::fraction));
      out.push_back(value("bin" + std::to_string(k) + "_accuracy", bins[k].accuracy, roz::Unit::fraction));
    }
    return out;
  }

 private:
  CalibrationStats stats_;
};

class Calibration final : public roz::Metric {
 public:
  explicit Calibration(const roz::Params& params) : bins_(params.get_int("bins")) {}

  std::unique_ptr<roz::MetricAccumulator> accumulate(const roz::ConditionInfo&) override {
    return std::make_unique<CalibrationAccumulator>(bins_);
  }

  std::vector<roz::ConditionSummary> across_conditions(const std::vector<roz::ConditionSummary>& conditions,
                                                       const roz::RecordReader& records) override {
    const roz::ConditionInfo* reference = in_distribution_clean(conditions);
    if (!reference) return {};
    std::vector<LabelledLogits> held_out;
    records(*reference, [&](const roz::SampleRecord& r) { held_out.push_back({r.logits, roz::metrics::accepted_labels(r, "calibration")}); });
    if (held_out.empty()) return {};
    const double temperature = fit_temperature(held_out);

    std::vector<roz::ConditionSummary> out;
    for (const auto& c : conditions) {
      CalibrationStats stats(bins_, temperature);
      records(c.info, [&](const roz::SampleRecord& r) { stats.add(r); });
      if (stats.count() == 0) continue;
      out.push_back(
          {c.info,
           {value("temperature", temperature, roz::Unit::number), value("ece_ts", stats.ece(), roz::Unit::fraction),
            value("nll_ts", stats.nll(), roz::Unit::nats)}});
    }
    return out;
  }

 private:
  std::int64_t bins_;
};

}  // namespace
}  // namespace calibration

roz::PluginDescriptor roz::builtin::describe_calibration() {
  return roz::support::descriptor(
      "calibration", roz::PluginKind::metric,
      "expected calibration error and NLL per condition; after temperature scaling fitted on the in-distribution "
      "clean condition, across conditions",
      {roz::param::integer("bins", 15, 1, std::nullopt, "equal-width confidence bins of the ECE")},
      roz::kPerCondition | roz::kAcrossConditions, roz::factory<calibration::Calibration>());
}

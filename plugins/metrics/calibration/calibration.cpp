// calibration: do the softmax confidences match the accuracy? (Guo et al. 2017, "On Calibration of
// Modern Neural Networks".)
// Per condition: `ece` (expected calibration error over `bins` equal-width confidence bins), `nll`
// (mean negative log-likelihood of the correct label under softmax(logits)), and for each non-empty
// bin k its reliability point `bin<k>_confidence` and `bin<k>_accuracy`.
// Across the conditions of a model: one temperature T, fitted on held-out data and never reported on
// it. By default the in-distribution clean condition (kind clean with role in_distribution; when no
// condition has a role, the first clean condition) is split in two halves, seeded by `split_seed`
// (its samples ordered by a hash of the seed and their id, the first floor(n/2) fit T); every
// condition of that dataset is then reported on the other half's samples only, other datasets on all
// theirs. With `fit_on=DATASET` T is fitted on that dataset's whole clean condition (a held-out
// split the user names) and its own conditions are not reported. Each row: the condition's info with
// attributes[calibration_fit] saying what T was fitted on, and `temperature` (T), `ece_ts` and
// `nll_ts` of softmax(logits / T), `fit_samples`, `ts_samples` (those they were computed on). Without a
// reference condition, or without its records, there is nothing to fit and nothing is reported.
#include <algorithm>
#include <memory>
#include <set>

#include "calibration_stats.hpp"
#include "metrics_library.hpp"
#include "roz/error.hpp"
#include "roz/metric.hpp"
#include "roz/protocol.hpp"
#include "roz/seed.hpp"
#include "roz/support/descriptor.hpp"
#include "roz/support/metrics/accepted_labels.hpp"
#include "roz/support/metrics/metric_support.hpp"
#include "softmax.hpp"
#include "temperature_fit.hpp"

namespace calibration {
namespace {

using roz::metrics::in_distribution_clean;
using roz::metrics::value;

// What the temperature is fitted on: the samples of one clean condition, and which of them.
struct FitSet {
  const roz::ConditionInfo* condition = nullptr;
  std::set<std::string> samples;  // of `condition`'s dataset; rows of that dataset leave them out
  std::string description;        // attributes[calibration_fit]
};

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
  explicit Calibration(const roz::Params& params)
      : bins_(params.get_int("bins")),
        split_seed_(static_cast<std::uint64_t>(params.get_int("split_seed"))),
        fit_on_(params.get_string("fit_on")) {}

  std::unique_ptr<roz::MetricAccumulator> accumulate(const roz::ConditionInfo&) override {
    return std::make_unique<CalibrationAccumulator>(bins_);
  }

  std::vector<roz::ConditionSummary> across_conditions(const std::vector<roz::ConditionSummary>& conditions,
                                                       const roz::RecordReader& records) override {
    const FitSet fit = fit_set(conditions, records);
    if (fit.samples.empty()) return {};
    std::vector<LabelledLogits> held_out;
    records(*fit.condition, [&](const roz::SampleRecord& r) {
      if (fit.samples.count(r.sample_id) && !roz::metrics::unlabelled(r))
        held_out.push_back({r.logits, roz::metrics::accepted_labels(r, "calibration")});
    });
    if (held_out.empty()) return {};
    const double temperature = fit_temperature(held_out);

    std::vector<roz::ConditionSummary> out;
    for (const auto& c : conditions) {
      const bool fit_dataset = c.info.dataset == fit.condition->dataset;
      if (fit_dataset && !fit_on_.empty()) continue;  // fitted on all of it: nothing held out to report on
      CalibrationStats stats(bins_, temperature);
      records(c.info, [&](const roz::SampleRecord& r) {
        if (!fit_dataset || !fit.samples.count(r.sample_id)) stats.add(r);
      });
      if (stats.count() == 0) continue;
      roz::ConditionSummary row{
          c.info,
          {value("temperature", temperature, roz::Unit::number), value("ece_ts", stats.ece(), roz::Unit::fraction),
           value("nll_ts", stats.nll(), roz::Unit::nats),
           value("fit_samples", static_cast<double>(held_out.size()), roz::Unit::count),
           value("ts_samples", static_cast<double>(stats.count()), roz::Unit::count)}};
      row.info.attributes["calibration_fit"] = fit.description;
      out.push_back(std::move(row));
    }
    return out;
  }

 private:
  FitSet fit_set(const std::vector<roz::ConditionSummary>& conditions, const roz::RecordReader& records) const {
    FitSet fit;
    if (!fit_on_.empty()) {
      for (const auto& c : conditions)
        if (c.info.dataset == fit_on_ && c.info.kind == roz::protocol::kind::clean) fit.condition = &c.info;
      if (!fit.condition)
        throw roz::DataError("calibration: fit_on='" + fit_on_ +
                             "' names no dataset with a clean condition in this run");
      records(*fit.condition, [&](const roz::SampleRecord& r) { fit.samples.insert(r.sample_id); });
      fit.description = "all of " + fit_on_ + " clean";
      return fit;
    }
    fit.condition = in_distribution_clean(conditions);
    if (!fit.condition) return fit;
    std::vector<std::pair<std::uint64_t, std::string>> order;  // by a seeded hash: a split no file order decides
    records(*fit.condition, [&](const roz::SampleRecord& r) {
      order.emplace_back(roz::derive_seed(split_seed_, "calibration", r.sample_id), r.sample_id);
    });
    std::sort(order.begin(), order.end());
    for (std::size_t i = 0; i < order.size() / 2; ++i) fit.samples.insert(order[i].second);
    fit.description = "half of " + fit.condition->dataset + " clean (split_seed " + std::to_string(split_seed_) +
                      "), reported on the other half";
    return fit;
  }

  std::int64_t bins_;
  std::uint64_t split_seed_;
  std::string fit_on_;
};

}  // namespace
}  // namespace calibration

roz::PluginDescriptor roz::builtin::describe_calibration() {
  return roz::support::descriptor(
      "calibration", roz::PluginKind::metric,
      "expected calibration error and NLL per condition; after temperature scaling fitted on a seeded half of the "
      "in-distribution clean condition (or a named held-out set) and reported on the rest, across conditions",
      {roz::param::integer("bins", 15, 1, std::nullopt, "equal-width confidence bins of the ECE"),
       roz::param::integer("split_seed", 0, 0, std::nullopt,
                           "seed of the fit/report halves of the in-distribution set"),
       roz::param::string("fit_on", "", "fit the temperature on this dataset's clean condition instead of a half")},
      roz::kPerCondition | roz::kAcrossConditions, roz::factory<calibration::Calibration>());
}

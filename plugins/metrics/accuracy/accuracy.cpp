// Top-1 and top-5 accuracy with Wilson score 95% intervals. Under an attack condition this is the
// robust accuracy.
#include <algorithm>
#include <cmath>

#include "metrics_library.hpp"
#include "roz/metric.hpp"
#include "roz/support/metrics/accepted_labels.hpp"

namespace {

struct Interval {
  double low, high;
};

// Wilson score interval: well behaved near 0 and 1, unlike the normal approximation.
Interval wilson(double successes, double n) {
  const double z = 1.959963984540054;
  double p = successes / n, z2 = z * z;
  double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n);
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

class AccuracyAccumulator final : public roz::MetricAccumulator {
 public:
  explicit AccuracyAccumulator(std::vector<std::int64_t> ks) : ks_(std::move(ks)), correct_(ks_.size(), 0) {}

  void add(const roz::SampleRecord& r) override {
    if (roz::metrics::unlabelled(r)) return;  // an OOD image: no class of these logits is right
    const std::int64_t higher = roz::metrics::classes_above_truth(r.logits, roz::metrics::accepted_labels(r, "accuracy"));
    for (size_t i = 0; i < ks_.size(); ++i)
      if (higher < ks_[i]) ++correct_[i];
    ++n_;
    classes_ = static_cast<std::int64_t>(r.logits.size());
  }

  std::vector<roz::MetricValue> finish() override {
    std::vector<roz::MetricValue> out;
    if (n_ == 0) return out;
    for (size_t i = 0; i < ks_.size(); ++i) {
      if (ks_[i] > 1 && ks_[i] >= classes_) continue;  // trivially 1
      Interval ci = wilson(static_cast<double>(correct_[i]), static_cast<double>(n_));
      out.push_back({"top" + std::to_string(ks_[i]), static_cast<double>(correct_[i]) / static_cast<double>(n_),
                     roz::Unit::fraction, ci.low, ci.high});
    }
    return out;
  }

 private:
  std::vector<std::int64_t> ks_;
  std::vector<std::int64_t> correct_;
  std::int64_t n_ = 0;
  std::int64_t classes_ = 0;
};

class Accuracy final : public roz::Metric {
 public:
  explicit Accuracy(const roz::Params& params) {
    for (double k : params.get_reals("top_k")) {
      if (k < 1 || std::floor(k) != k) throw roz::ParamError("accuracy: top_k values must be positive integers");
      ks_.push_back(static_cast<std::int64_t>(k));
    }
  }
  std::unique_ptr<roz::MetricAccumulator> accumulate(const roz::ConditionInfo&) override {
    return std::make_unique<AccuracyAccumulator>(ks_);
  }

 private:
  std::vector<std::int64_t> ks_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_accuracy() {
  return {
      .name = "accuracy",
      .kind = roz::PluginKind::metric,
      .version = "1.0.0",
      .license = "Apache-2.0",
      .description = "Top-k accuracy (robust accuracy under attack) with Wilson 95% intervals",
      .params = {roz::param::real_list("top_k", {1, 5},
                                       "k values (top-k accuracy for k >= number of classes is skipped)")},
      .capabilities = roz::kPerCondition,
      .create = roz::factory<Accuracy>(),
  };
}

// attack_success: what an attack or a typographic attack achieved, per condition.
// Attack conditions (records with perturbation norms and the clean prediction): clean accuracy,
// robust accuracy, attack success rate (share of the clean-correct points the attack turns wrong),
// the mean L-inf / L2 size of the perturbations and the median size of the successful ones; for min_eps
// conditions the median minimal budget over all points, the RoZ paper's figure (0 for a point the model
// already gets wrong, infinity for one never fooled, the smallest fooling perturbation's norm otherwise).
// Typographic conditions
// (records with a written label): the share of predictions equal to the written class. Other conditions: nothing.
#include <algorithm>
#include <limits>
#include <string>

#include "metrics_library.hpp"
#include "roz/metric.hpp"
#include "roz/protocol.hpp"
#include "roz/support/metrics/metric_support.hpp"

namespace {

using roz::metrics::value;

std::int64_t argmax(const std::vector<float>& logits) {
  return static_cast<std::int64_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

class AttackSuccessAccumulator final : public roz::MetricAccumulator {
 public:
  // A text-prompt attack leaves the images alone: its (zero) perturbation norms say nothing; a
  // multimodal one (also a text_attack condition) perturbs them, so its norms are reported.
  AttackSuccessAccumulator(bool text_attack, bool minimal_budgets)
      : text_attack_(text_attack), minimal_budgets_(minimal_budgets) {}

  void add(const roz::SampleRecord& r) override {
    const std::int64_t predicted = argmax(r.logits);
    if (auto written = r.metadata.find("written_label"); written != r.metadata.end()) {
      ++typographic_;
      typographic_hits_ += predicted == std::stoll(written->second);
    }
    auto clean = r.metadata.find("clean_prediction");
    if (!r.perturbation_linf || clean == r.metadata.end()) return;
    ++attacked_;
    const bool clean_correct = std::stoll(clean->second) == r.label, robust_correct = predicted == r.label;
    clean_correct_ += clean_correct;
    robust_correct_ += robust_correct;
    flipped_ += clean_correct && !robust_correct;
    linf_ += *r.perturbation_linf;
    perturbed_ = perturbed_ || *r.perturbation_linf > 0;
    l2_ += r.perturbation_l2.value_or(0.0f);
    if (clean_correct && !robust_correct) {
      flipped_linf_.push_back(*r.perturbation_linf);
      flipped_l2_.push_back(r.perturbation_l2.value_or(0.0f));
    }
    constexpr float kNeverFooled = std::numeric_limits<float>::infinity();
    budgets_linf_.push_back(!clean_correct ? 0.0f : robust_correct ? kNeverFooled : *r.perturbation_linf);
    budgets_l2_.push_back(!clean_correct ? 0.0f : robust_correct ? kNeverFooled : r.perturbation_l2.value_or(0.0f));
  }

  std::vector<roz::MetricValue> finish() override {
    std::vector<roz::MetricValue> out;
    if (attacked_ > 0) {
      const auto n = static_cast<double>(attacked_);
      const bool image_norms = !text_attack_ || perturbed_;
      out.push_back(value("clean_accuracy", clean_correct_ / n, roz::Unit::fraction));
      out.push_back(value(roz::protocol::metric::robust_accuracy, robust_correct_ / n, roz::Unit::fraction));
      out.push_back(value(roz::protocol::metric::attack_success_rate,
                          clean_correct_ ? flipped_ / static_cast<double>(clean_correct_) : 0.0, roz::Unit::fraction));
      if (image_norms) {
        out.push_back(value("mean_linf", linf_ / n, roz::Unit::number));
        out.push_back(value("mean_l2", l2_ / n, roz::Unit::number));
      }
      if (minimal_budgets_) {
        out.push_back(value(roz::protocol::metric::median_min_eps, median(budgets_linf_), roz::Unit::number));
        out.push_back(value("median_min_eps_l2", median(budgets_l2_), roz::Unit::number));
      }
      // The typical size of a successful perturbation (over the points the attack fooled only).
      if (image_norms && !flipped_linf_.empty()) {
        out.push_back(value("median_linf_success", median(flipped_linf_), roz::Unit::number));
        out.push_back(value("median_l2_success", median(flipped_l2_), roz::Unit::number));
      }
    }
    if (typographic_ > 0)
      out.push_back(value(roz::protocol::metric::typographic_success_rate,
                          typographic_hits_ / static_cast<double>(typographic_), roz::Unit::fraction));
    return out;
  }

 private:
  bool text_attack_, minimal_budgets_;
  bool perturbed_ = false;
  std::int64_t attacked_ = 0, clean_correct_ = 0, robust_correct_ = 0, flipped_ = 0;
  std::int64_t typographic_ = 0, typographic_hits_ = 0;
  double linf_ = 0, l2_ = 0;
  std::vector<float> flipped_linf_, flipped_l2_;
  std::vector<float> budgets_linf_, budgets_l2_;  // every attacked point's, min_eps conditions

  static double median(std::vector<float> v) {
    std::sort(v.begin(), v.end());
    const size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : (static_cast<double>(v[m - 1]) + v[m]) / 2;
  }
};

class AttackSuccess final : public roz::Metric {
 public:
  explicit AttackSuccess(const roz::Params&) {}
  std::unique_ptr<roz::MetricAccumulator> accumulate(const roz::ConditionInfo& condition) override {
    const auto attack = condition.attributes.find(roz::protocol::attribute::attack);
    return std::make_unique<AttackSuccessAccumulator>(
        condition.kind == roz::protocol::kind::text_attack,
        attack != condition.attributes.end() && attack->second == "min_eps");
  }
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_attack_success() {
  return {.name = "attack_success",
          .kind = roz::PluginKind::metric,
          .version = "1.0.0",
          .license = "Apache-2.0",
          .description =
              "attack success rate, clean and robust accuracy, mean perturbation norms; typographic success rate",
          .params = {},
          .capabilities = roz::kPerCondition,
          .create = roz::factory<AttackSuccess>()};
}

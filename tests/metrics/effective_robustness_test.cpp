// effective_robustness: relative and effective robustness on shift datasets, with the logit-space trend
// fitted over the run's models or given, against values computed by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "metric_fixtures.hpp"

namespace roz {
namespace {

using test::condition;
using test::top1;
using test::value_of;

// A model's in-distribution accuracy and its accuracy on each (dataset, accuracy) shift.
std::vector<ConditionSummary> model(const std::string& name, double id,
                                    const std::vector<std::pair<std::string, double>>& shifts) {
  std::vector<ConditionSummary> out = {
      {condition("imagenet", "clean", "clean", {{"role", "in_distribution"}}, name), top1(id)},
      {condition("imagenet", "gaussian_noise:severity=3", "corruption", {{"role", "in_distribution"}}, name),
       top1(0.1)}};
  for (const auto& [dataset, accuracy] : shifts)
    out.push_back({condition(dataset, "clean", "clean", {{"role", "shift"}}, name), top1(accuracy)});
  return out;
}

double logit(double p) {
  return std::log(p / (1 - p));
}
double sigmoid(double x) {
  return 1 / (1 + std::exp(-x));
}

TEST(EffectiveRobustness, LeastSquaresTrendInLogitSpaceOverTheRunsModels) {
  // (id, shift) = (0.5, 0.3), (0.7, 0.4), (0.9, 0.7). In logits x = (0, 0.84730, 2.19722), y = (-0.84730,
  // -0.40547, 0.84730): slope = Sxy / Sxx = 0.785681, intercept = mean y - slope mean x = -0.932497.
  test::MetricUnderTest m("effective_robustness");
  auto rows = m.metric->across_models({model("a", 0.5, {{"imagenet-r", 0.3}}), model("b", 0.7, {{"imagenet-r", 0.4}}),
                                       model("c", 0.9, {{"imagenet-r", 0.7}})});
  ASSERT_EQ(rows.size(), 3u);  // one per (model, shift dataset); not the in-distribution conditions
  const double expected[3] = {0.01758150872529407, -0.03369521303621398, 0.01134863068557801};
  const double relative[3] = {0.3 - 0.5, 0.4 - 0.7, 0.7 - 0.9};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(rows[i].info.model, std::string(1, static_cast<char>('a' + i)));
    EXPECT_EQ(rows[i].info.dataset, "imagenet-r");
    EXPECT_NEAR(value_of(rows[i].values, "fit_slope"), 0.7856813736533234, 1e-12);
    EXPECT_NEAR(value_of(rows[i].values, "fit_intercept"), -0.9324965596990227, 1e-12);
    EXPECT_NEAR(value_of(rows[i].values, "effective_robustness"), expected[i], 1e-12);
    EXPECT_NEAR(value_of(rows[i].values, "relative_robustness"), relative[i], 1e-12);
  }
}

TEST(EffectiveRobustness, EachShiftDatasetHasItsOwnFit) {
  // On objectnet the points lie on logit(shift) = logit(id) - 1 exactly: slope 1, intercept -1, ER 0.
  test::MetricUnderTest m("effective_robustness");
  auto rows = m.metric->across_models({model("a", 0.5, {{"imagenet-r", 0.3}, {"objectnet", sigmoid(-1)}}),
                                       model("b", 0.7, {{"imagenet-r", 0.4}, {"objectnet", sigmoid(logit(0.7) - 1)}})});
  ASSERT_EQ(rows.size(), 4u);
  for (const auto& r : rows) {
    if (r.info.dataset != "objectnet") continue;
    EXPECT_NEAR(value_of(r.values, "fit_slope"), 1, 1e-9);
    EXPECT_NEAR(value_of(r.values, "fit_intercept"), -1, 1e-9);
    EXPECT_NEAR(value_of(r.values, "effective_robustness"), 0, 1e-12);
  }
}

TEST(EffectiveRobustness, GivenTrendAppliesToEveryModelEvenAlone) {
  test::MetricUnderTest m("effective_robustness:slope=1,intercept=-1");
  auto rows = m.metric->across_models({model("a", 0.7, {{"imagenet-r", 0.4}})});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NEAR(value_of(rows[0].values, "effective_robustness"), 0.4 - sigmoid(logit(0.7) - 1), 1e-12);
  EXPECT_EQ(value_of(rows[0].values, "fit_slope"), 1);
  EXPECT_EQ(value_of(rows[0].values, "fit_intercept"), -1);
}

TEST(EffectiveRobustness, PerfectAccuracyIsClampedBeforeTheLogit) {
  // logit(1) is clamped to logit(1 - 1e-6); with slope 1, intercept 0 the trend predicts 1 - 1e-6.
  test::MetricUnderTest m("effective_robustness:slope=1,intercept=0");
  auto rows = m.metric->across_models({model("a", 1.0, {{"imagenet-r", 0.5}})});
  EXPECT_NEAR(value_of(rows[0].values, "effective_robustness"), 0.5 - (1 - 1e-6), 1e-12);
  EXPECT_NEAR(value_of(rows[0].values, "relative_robustness"), -0.5, 1e-12);
}

TEST(EffectiveRobustness, WithoutTwoDistinctInDistributionAccuraciesOnlyRelativeRobustness) {
  test::MetricUnderTest m("effective_robustness");
  using Models = std::vector<std::vector<ConditionSummary>>;
  for (const Models& models :
       {Models{model("a", 0.7, {{"imagenet-r", 0.4}})},
        Models{model("a", 0.7, {{"imagenet-r", 0.4}}), model("b", 0.7, {{"imagenet-r", 0.5}})}}) {
    auto rows = m.metric->across_models(models);
    ASSERT_EQ(rows.size(), models.size());
    for (const auto& r : rows) {
      EXPECT_EQ(r.values.size(), 1u);
      EXPECT_EQ(r.values[0].name, "relative_robustness");
    }
  }
  EXPECT_TRUE(m.metric->across_models({model("a", 0.7, {})}).empty());  // no shift dataset
  EXPECT_TRUE(m.metric->across_models({}).empty());
}

TEST(EffectiveRobustness, HalfATrendOrMissingDataIsAnError) {
  std::string message = test::error_of([] { test::MetricUnderTest m("effective_robustness:slope=1"); });
  EXPECT_NE(message.find("effective_robustness: give both slope and intercept, or neither"), std::string::npos)
      << message;

  test::MetricUnderTest m("effective_robustness");
  auto no_top1 = model("a", 0.7, {{"imagenet-r", 0.4}});
  no_top1.back().values.clear();
  message = test::error_of([&] { m.metric->across_models({no_top1}); });
  EXPECT_NE(message.find("effective_robustness: condition 'clean' of 'imagenet-r' (model 'a') has no top1 value"),
            std::string::npos)
      << message;

  auto no_id = model("a", 0.7, {{"imagenet-r", 0.4}});
  no_id.erase(no_id.begin());
  message = test::error_of([&] { m.metric->across_models({no_id}); });
  EXPECT_NE(message.find("model 'a' has shift datasets but no in-distribution clean condition"), std::string::npos)
      << message;
}

}  // namespace
}  // namespace roz

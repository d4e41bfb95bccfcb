// effective_robustness: effective robustness on shift datasets against a logit-space trend (the run's
// image classifiers, imagenet-testbed's published line, or given), relative robustness to a baseline
// model, accuracy drop and the class-restricted in-distribution accuracy, against values by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "metric_fixtures.hpp"

namespace roz {
namespace {

using test::condition;
using test::top1;
using test::value_of;

// A model's in-distribution accuracy and its accuracy on each (dataset, accuracy) shift; its head is
// a zero-shot model's (prompts) or an image classifier's (label_set).
std::vector<ConditionSummary> model(const std::string& name, double id,
                                    const std::vector<std::pair<std::string, double>>& shifts,
                                    const std::string& head = "prompts") {
  std::vector<ConditionSummary> out = {
      {condition("imagenet", "clean", "clean", {{"role", "in_distribution"}, {"head", head}}, name), top1(id)},
      {condition("imagenet", "gaussian_noise:severity=3", "corruption", {{"role", "in_distribution"}, {"head", head}},
                 name),
       top1(0.1)}};
  for (const auto& [dataset, accuracy] : shifts)
    out.push_back({condition(dataset, "clean", "clean", {{"role", "shift"}, {"head", head}}, name), top1(accuracy)});
  return out;
}

std::vector<ConditionSummary> classifier(const std::string& name, double id,
                                         const std::vector<std::pair<std::string, double>>& shifts) {
  return model(name, id, shifts, "label_set");
}

const ConditionSummary& row_of(const std::vector<ConditionSummary>& rows, const std::string& dataset,
                               const std::string& model) {
  for (const auto& r : rows)
    if (r.info.dataset == dataset && r.info.model == model) return r;
  throw std::runtime_error("no row of model '" + model + "' on '" + dataset + "'");
}

double logit(double p) {
  return std::log(p / (1 - p));
}
double sigmoid(double x) {
  return 1 / (1 + std::exp(-x));
}

TEST(EffectiveRobustness, TheTrendIsFittedOverTheRunsImageClassifiersNotTheZeroShotModels) {
  // Classifiers (id, shift) = (0.5, 0.3), (0.7, 0.4), (0.9, 0.7). In logits x = (0, 0.84730, 2.19722),
  // y = (-0.84730, -0.40547, 0.84730): slope = Sxy / Sxx = 0.785681, intercept = mean y - slope mean x =
  // -0.932497. The zero-shot model z (0.8, 0.75) is judged against that line and does not move it.
  test::MetricUnderTest m("effective_robustness");
  auto rows =
      m.metric->across_models({classifier("a", 0.5, {{"imagenet-r", 0.3}}), classifier("b", 0.7, {{"imagenet-r", 0.4}}),
                               classifier("c", 0.9, {{"imagenet-r", 0.7}}), model("z", 0.8, {{"imagenet-r", 0.75}})});
  ASSERT_EQ(rows.size(), 4u);  // one per (model, shift dataset); not the in-distribution conditions
  const double expected[4] = {0.01758150872529407, -0.03369521303621398, 0.01134863068557801,
                              0.75 - sigmoid(0.7856813736533234 * logit(0.8) - 0.9324965596990227)};
  const double relative[4] = {0, 0.4 - 0.3, 0.7 - 0.3, 0.75 - 0.3};  // against a, the first classifier
  const double shift[4] = {0.3, 0.4, 0.7, 0.75}, id[4] = {0.5, 0.7, 0.9, 0.8};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(rows[i].info.model, i < 3 ? std::string(1, static_cast<char>('a' + i)) : "z");
    EXPECT_EQ(rows[i].info.dataset, "imagenet-r");
    EXPECT_NEAR(value_of(rows[i].values, "fit_slope"), 0.7856813736533234, 1e-12);
    EXPECT_NEAR(value_of(rows[i].values, "fit_intercept"), -0.9324965596990227, 1e-12);
    EXPECT_NEAR(value_of(rows[i].values, "effective_robustness"), expected[i], 1e-12);
    EXPECT_NEAR(value_of(rows[i].values, "relative_robustness"), relative[i], 1e-12);
    EXPECT_NEAR(value_of(rows[i].values, "accuracy_drop"), id[i] - shift[i], 1e-12);
    EXPECT_EQ(rows[i].info.attributes.at("baseline"), "the run's 3 image classifiers (least squares in logit space)");
    EXPECT_EQ(rows[i].info.attributes.at("relative_to"), "a");
  }
}

// Without classifiers: imagenet-testbed's own line for a shift of that name (testbed_fits.hpp, made by
// testbed/make_fits.py from the testbed's published top-1s), ImageNet-A's piecewise at 91.86%; other
// shifts get no line, never one through the zero-shot models themselves.
TEST(EffectiveRobustness, WithoutClassifiersTheTestbedsPublishedLineIsTheBaseline) {
  test::MetricUnderTest m("effective_robustness");
  auto rows = m.metric->across_models({model("a", 0.7, {{"imagenet-sketch", 0.4}, {"imagenet-a", 0.3}}),
                                       model("b", 0.95, {{"imagenet-a", 0.6}, {"my-shift", 0.5}})});
  ASSERT_EQ(rows.size(), 4u);
  const ConditionSummary& sketch = row_of(rows, "imagenet-sketch", "a");
  EXPECT_NEAR(value_of(sketch.values, "fit_slope"), 1.0709154135668684, 1e-15);
  EXPECT_NEAR(value_of(sketch.values, "fit_intercept"), -2.370072912552283, 1e-15);
  EXPECT_NEAR(value_of(sketch.values, "effective_robustness"),
              0.4 - sigmoid(1.0709154135668684 * logit(0.7) - 2.370072912552283), 1e-12);
  EXPECT_NE(sketch.info.attributes.at("baseline").find("imagenet-testbed: imagenet-sketch on val over 85 standard"),
            std::string::npos);
  EXPECT_NEAR(value_of(row_of(rows, "imagenet-a", "a").values, "fit_slope"), 0.68944649909893618, 1e-15);
  EXPECT_NEAR(value_of(row_of(rows, "imagenet-a", "b").values, "fit_slope"), 2.9559595169134285, 1e-15);
  const ConditionSummary& own = row_of(rows, "my-shift", "b");
  EXPECT_FALSE(test::find_value(own.values, "effective_robustness"));
  EXPECT_FALSE(test::find_value(own.values, "relative_robustness"));  // no classifier, no baseline model named
  EXPECT_NEAR(value_of(own.values, "accuracy_drop"), 0.45, 1e-12);
  test::MetricUnderTest off("effective_robustness:testbed_fits=false");
  EXPECT_FALSE(test::find_value(off.metric->across_models({model("a", 0.7, {{"imagenet-sketch", 0.4}})})[0].values,
                                "effective_robustness"));
}

// imagenet-testbed's val-on-*-classes: in-distribution samples of the shift's classes only, logits of
// those classes only, correct when the arg-max is in the label's group (ObjectNet's collapse).
TEST(EffectiveRobustness, InDistributionAccuracyIsRestrictedToTheShiftsClasses) {
  test::Run run;
  const std::map<std::string, std::string> id_attributes = {{"role", "in_distribution"}, {"head", "prompts"}};
  // 5 in-distribution classes; the shift has classes 1, 3 and 4 (columns), 3 and 4 in one group.
  run.add(test::condition("imagenet", "clean", "clean", id_attributes),
          {test::record("0", 0, {9, 0, 0, 0, 0}),   // not a shift class: left out
           test::record("1", 1, {9, 5, 0, 1, 0}),   // over all classes wrong, over 1,3,4 right
           test::record("2", 3, {0, 0, 0, 1, 2}),   // arg-max 4, the same group as 3: right
           test::record("3", 4, {0, 3, 0, 0, 2}),   // arg-max 1: wrong
           test::record("4", 1, {0, 1, 0, 2, 0})},  // arg-max 3: wrong
          test::top1(0.2));
  run.add(test::condition("objectnet", "clean", "clean",
                          {{"role", "shift"},
                           {"head", "prompts"},
                           {"in_distribution", "imagenet"},
                           {"id_classes", "1,3,4"},
                           {"class_groups", "0,1,1"}}),
          {}, test::top1(0.25));
  test::MetricUnderTest m("effective_robustness:slope=1,intercept=0");
  EXPECT_TRUE(m.metric->across_conditions(run.summaries, run.reader()).empty());
  auto rows = m.metric->across_models({run.summaries});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NEAR(value_of(rows[0].values, "id_top1"), 2.0 / 4, 1e-12);
  EXPECT_NEAR(value_of(rows[0].values, "accuracy_drop"), 0.5 - 0.25, 1e-12);
  EXPECT_NEAR(value_of(rows[0].values, "effective_robustness"), 0.25 - 0.5, 1e-12);
  // The video sets: pm-0 (anchor_accuracy) is the shift accuracy where there is one.
  run.summaries[1].values.push_back({"pm0", 0.4, Unit::fraction, std::nullopt, std::nullopt});
  m.metric->across_conditions(run.summaries, run.reader());
  EXPECT_NEAR(value_of(m.metric->across_models({run.summaries})[0].values, "shift_top1"), 0.4, 1e-12);
}

TEST(EffectiveRobustness, EachShiftDatasetHasItsOwnFit) {
  // On objectnet the points lie on logit(shift) = logit(id) - 1 exactly: slope 1, intercept -1, ER 0.
  test::MetricUnderTest m("effective_robustness");
  auto rows =
      m.metric->across_models({classifier("a", 0.5, {{"imagenet-r", 0.3}, {"objectnet", sigmoid(-1)}}),
                               classifier("b", 0.7, {{"imagenet-r", 0.4}, {"objectnet", sigmoid(logit(0.7) - 1)}})});
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
  EXPECT_NEAR(value_of(rows[0].values, "accuracy_drop"), 0.5, 1e-12);
}

TEST(EffectiveRobustness, WithoutTwoDistinctClassifierAccuraciesNoRunFit) {
  // my-shift has no testbed line: one classifier, or two at the same accuracy, fit nothing.
  test::MetricUnderTest m("effective_robustness");
  using Models = std::vector<std::vector<ConditionSummary>>;
  for (const Models& models :
       {Models{classifier("a", 0.7, {{"my-shift", 0.4}})},
        Models{classifier("a", 0.7, {{"my-shift", 0.4}}), classifier("b", 0.7, {{"my-shift", 0.5}})}}) {
    auto rows = m.metric->across_models(models);
    ASSERT_EQ(rows.size(), models.size());
    for (const auto& r : rows) {
      EXPECT_FALSE(test::find_value(r.values, "effective_robustness"));
      EXPECT_TRUE(test::find_value(r.values, "relative_robustness"));
      EXPECT_TRUE(test::find_value(r.values, "accuracy_drop"));
    }
  }
  EXPECT_TRUE(m.metric->across_models({model("a", 0.7, {})}).empty());  // no shift dataset
  EXPECT_TRUE(m.metric->across_models({}).empty());
  // A named baseline model: relative robustness against it.
  test::MetricUnderTest named("effective_robustness:baseline_model=b");
  auto rows = named.metric->across_models({model("a", 0.7, {{"my-shift", 0.4}}), model("b", 0.6, {{"my-shift", 0.5}})});
  EXPECT_NEAR(value_of(row_of(rows, "my-shift", "a").values, "relative_robustness"), -0.1, 1e-12);
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
  EXPECT_NE(message.find("model 'a' has shift dataset 'imagenet-r' but no in-distribution clean condition"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace roz

// corruption_error: CE, mCE and relative CE against the built-in AlexNet errors and against a model of
// the run, against values computed by hand.
#include <gtest/gtest.h>

#include "metric_fixtures.hpp"

namespace roz {
namespace {

using test::condition;
using test::top1;
using test::value_of;

ConditionSummary clean(double accuracy, std::string model = "m") {
  return {condition("imagenet", "clean", "clean", {{"role", "in_distribution"}}, std::move(model)), top1(accuracy)};
}

ConditionSummary corrupted(const std::string& name, int severity, double accuracy, std::string model = "m",
                           std::string dataset = "imagenet") {
  return {condition(std::move(dataset), name + ":severity=" + std::to_string(severity), "corruption",
                    {{"corruption", name}, {"severity", std::to_string(severity)}, {"role", "in_distribution"}},
                    std::move(model)),
          top1(accuracy)};
}

std::vector<ConditionSummary> across_conditions(const std::string& spec, const std::vector<ConditionSummary>& cs) {
  test::MetricUnderTest m(spec);
  return m.metric->across_conditions(cs, test::Run{}.reader());
}

// Clean error 0.2; gaussian_noise errors 0.5 and 0.7 (mean 0.6); brightness 0.3; speckle_noise 0.4 (no
// AlexNet value).
std::vector<ConditionSummary> one_model() {
  return {clean(0.8), corrupted("gaussian_noise", 1, 0.5), corrupted("gaussian_noise", 2, 0.3),
          corrupted("speckle_noise", 1, 0.6), corrupted("brightness", 3, 0.7)};
}

TEST(CorruptionError, CeAgainstAlexNetIsTheMeanErrorOverAlexNetsMean) {
  auto rows = across_conditions("corruption_error", one_model());
  ASSERT_EQ(rows.size(), 4u);  // ce:brightness, ce:gaussian_noise, ce:speckle_noise, mce

  const auto& gaussian = test::row(rows, "imagenet", "ce:gaussian_noise");
  EXPECT_EQ(gaussian.info.kind, "summary");
  EXPECT_EQ(gaussian.info.model, "m");
  EXPECT_EQ(gaussian.info.attributes.at("corruption"), "gaussian_noise");
  EXPECT_EQ(gaussian.info.attributes.at("baseline"), "alexnet");
  EXPECT_NEAR(value_of(gaussian.values, "mean_error"), 0.6, 1e-12);
  EXPECT_EQ(value_of(gaussian.values, "severities"), 2);
  EXPECT_NEAR(value_of(gaussian.values, "ce"), 0.6 / 0.886428, 1e-12);
  EXPECT_FALSE(test::find_value(gaussian.values, "relative_ce"));  // no AlexNet clean error given

  const auto& brightness = test::row(rows, "imagenet", "ce:brightness");
  EXPECT_NEAR(value_of(brightness.values, "ce"), 0.3 / 0.564592, 1e-12);

  const auto& speckle = test::row(rows, "imagenet", "ce:speckle_noise");
  EXPECT_NEAR(value_of(speckle.values, "mean_error"), 0.4, 1e-12);
  EXPECT_FALSE(test::find_value(speckle.values, "ce"));

  const auto& mce = test::row(rows, "imagenet", "mce");
  EXPECT_EQ(mce.info.kind, "summary");
  EXPECT_NEAR(value_of(mce.values, "mce"), (0.6 / 0.886428 + 0.3 / 0.564592) / 2, 1e-12);
  EXPECT_NEAR(value_of(mce.values, "clean_error"), 0.2, 1e-12);
  EXPECT_FALSE(test::find_value(mce.values, "relative_mce"));
}

TEST(CorruptionError, CorruptionsWithoutSeverityAreNotPartOfIt) {
  std::vector<ConditionSummary> cs = one_model();
  ConditionSummary typographic = corrupted("typographic", 1, 0.1);
  typographic.info.attributes.erase("severity");
  cs.push_back(typographic);
  auto rows = across_conditions("corruption_error", cs);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_NEAR(value_of(test::row(rows, "imagenet", "mce").values, "mce"), (0.6 / 0.886428 + 0.3 / 0.564592) / 2, 1e-12);
}

TEST(CorruptionError, RelativeCeAgainstAlexNetNeedsItsCleanError) {
  auto rows = across_conditions("corruption_error:baseline_clean_error=0.4", one_model());
  const double gaussian = (0.6 - 0.2) / (0.886428 - 0.4), brightness = (0.3 - 0.2) / (0.564592 - 0.4);
  EXPECT_NEAR(value_of(test::row(rows, "imagenet", "ce:gaussian_noise").values, "relative_ce"), gaussian, 1e-12);
  EXPECT_NEAR(value_of(test::row(rows, "imagenet", "ce:brightness").values, "relative_ce"), brightness, 1e-12);
  EXPECT_NEAR(value_of(test::row(rows, "imagenet", "mce").values, "relative_mce"), (gaussian + brightness) / 2, 1e-12);
}

TEST(CorruptionError, EachDatasetIsReportedOnItsOwn) {
  // A second in-distribution dataset with the same corruption: its own rows and its own clean error.
  auto cs = one_model();
  cs.push_back({condition("cifar10", "clean", "clean", {{"role", "in_distribution"}}), top1(0.9)});
  cs.push_back(corrupted("gaussian_noise", 1, 0.6, "m", "cifar10"));
  auto rows = across_conditions("corruption_error:baseline_clean_error=0.4", cs);
  ASSERT_EQ(rows.size(), 6u);  // imagenet: 3 corruptions + mce; cifar10: 1 + mce
  const auto& gaussian = test::row(rows, "cifar10", "ce:gaussian_noise").values;
  EXPECT_NEAR(value_of(gaussian, "ce"), 0.4 / 0.886428, 1e-12);
  EXPECT_NEAR(value_of(gaussian, "relative_ce"), (0.4 - 0.1) / (0.886428 - 0.4), 1e-12);
  EXPECT_NEAR(value_of(test::row(rows, "cifar10", "mce").values, "clean_error"), 0.1, 1e-12);
  EXPECT_NEAR(value_of(test::row(rows, "imagenet", "mce").values, "clean_error"), 0.2, 1e-12);
}

TEST(CorruptionError, NothingWithoutCorruptionConditions) {
  EXPECT_TRUE(across_conditions("corruption_error", {clean(0.8)}).empty());
  EXPECT_TRUE(across_conditions("corruption_error", {}).empty());
}

TEST(CorruptionError, MissingTopOneOrAttributesOrARepeatedSeverityIsAnError) {
  auto cs = one_model();
  cs[2].values.clear();
  std::string message = test::error_of([&] { across_conditions("corruption_error", cs); });
  EXPECT_NE(message.find("corruption_error: condition 'gaussian_noise:severity=2' of 'imagenet' has no top1 value"),
            std::string::npos)
      << message;

  cs = one_model();
  cs[0].values.clear();  // the clean reference
  message = test::error_of([&] { across_conditions("corruption_error", cs); });
  EXPECT_NE(message.find("condition 'clean' of 'imagenet' has no top1 value"), std::string::npos) << message;

  cs = one_model();
  cs[1].info.attributes.erase("corruption");
  message = test::error_of([&] { across_conditions("corruption_error", cs); });
  EXPECT_NE(
      message.find("corruption condition 'gaussian_noise:severity=1' of 'imagenet' has no 'corruption' attribute"),
      std::string::npos)
      << message;

  cs = one_model();
  cs.push_back(corrupted("gaussian_noise", 1, 0.1));
  cs.back().info.condition = "gaussian_noise:severity=1,seed=2";
  message = test::error_of([&] { across_conditions("corruption_error", cs); });
  EXPECT_NE(message.find("'gaussian_noise:severity=1' of 'imagenet' and condition 'gaussian_noise:severity=1,seed=2' "
                         "of 'imagenet' are both gaussian_noise at severity 1"),
            std::string::npos)
      << message;
}

TEST(CorruptionError, BaselineCleanErrorMustBeBelowEveryAlexNetErrorAndOnlyWithAlexNet) {
  std::string message = test::error_of([] { test::MetricUnderTest m("corruption_error:baseline_clean_error=0.6"); });
  EXPECT_NE(message.find("baseline_clean_error 0.6 is not below AlexNet's error on brightness (0.564592)"),
            std::string::npos)
      << message;
  message = test::error_of([] { test::MetricUnderTest m("corruption_error:baseline=other,baseline_clean_error=0.4"); });
  EXPECT_NE(message.find("baseline_clean_error applies to baseline=alexnet only"), std::string::npos) << message;
}

// Baseline "torchscript:path=base.pt": clean error 0.3, gaussian_noise errors 0.6 (s1), 0.8 (s2).
// Model "torchscript:path=new.pt": clean error 0.2, gaussian_noise 0.4, 0.5, 0.9 (s3, which the
// baseline lacks), fog 0.5 (no baseline).
std::vector<std::vector<ConditionSummary>> two_models() {
  const std::string base = "torchscript:path=base.pt", model = "torchscript:path=new.pt";
  return {{clean(0.8, model), corrupted("gaussian_noise", 1, 0.6, model), corrupted("gaussian_noise", 2, 0.5, model),
           corrupted("gaussian_noise", 3, 0.1, model), corrupted("fog", 2, 0.5, model)},
          {clean(0.7, base), corrupted("gaussian_noise", 1, 0.4, base), corrupted("gaussian_noise", 2, 0.2, base)}};
}

TEST(CorruptionError, AcrossModelsEveryOtherModelAgainstTheBaselineModel) {
  // Quoted, and spaced differently from ConditionInfo.model: still the same spec.
  test::MetricUnderTest m("corruption_error:baseline=\"torchscript: path=base.pt\"");
  auto rows = m.metric->across_models(two_models());
  ASSERT_EQ(rows.size(), 3u);  // the new model's ce:fog, ce:gaussian_noise, mce; none for the baseline
  for (const auto& r : rows) EXPECT_EQ(r.info.model, "torchscript:path=new.pt");

  // Over severities 1-2: CE = (0.4 + 0.5) / (0.6 + 0.8); relative = (0.2 + 0.3) / (0.3 + 0.5).
  const auto& gaussian = test::row(rows, "imagenet", "ce:gaussian_noise");
  EXPECT_EQ(gaussian.info.attributes.at("baseline"), "torchscript: path=base.pt");
  EXPECT_NEAR(value_of(gaussian.values, "mean_error"), (0.4 + 0.5 + 0.9) / 3, 1e-12);
  EXPECT_EQ(value_of(gaussian.values, "severities"), 3);
  EXPECT_NEAR(value_of(gaussian.values, "ce"), 0.9 / 1.4, 1e-12);
  EXPECT_NEAR(value_of(gaussian.values, "relative_ce"), 0.5 / 0.8, 1e-12);

  const auto& fog = test::row(rows, "imagenet", "ce:fog");
  EXPECT_NEAR(value_of(fog.values, "mean_error"), 0.5, 1e-12);
  EXPECT_FALSE(test::find_value(fog.values, "ce"));

  const auto& mce = test::row(rows, "imagenet", "mce");
  EXPECT_NEAR(value_of(mce.values, "mce"), 0.9 / 1.4, 1e-12);
  EXPECT_NEAR(value_of(mce.values, "relative_mce"), 0.5 / 0.8, 1e-12);
  EXPECT_NEAR(value_of(mce.values, "clean_error"), 0.2, 1e-12);

  // Each scope does the work of one kind of baseline only.
  EXPECT_TRUE(m.metric->across_conditions(two_models()[0], test::Run{}.reader()).empty());
  test::MetricUnderTest alexnet("corruption_error");
  EXPECT_TRUE(alexnet.metric->across_models(two_models()).empty());
}

TEST(CorruptionError, UnknownBaselineModelListsTheRunsModels) {
  test::MetricUnderTest m("corruption_error:baseline=\"torchscript:path=old.pt\"");
  std::string message = test::error_of([&] { m.metric->across_models(two_models()); });
  EXPECT_NE(message.find("corruption_error: baseline 'torchscript:path=old.pt' is none of the run's models "
                         "('torchscript:path=new.pt', 'torchscript:path=base.pt')"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace roz

// corruption_error: CE, mCE and relative CE against the built-in AlexNet errors (on ImageNet-C-style
// data only) and against a model of the run, against values computed by hand.
#include <gtest/gtest.h>

#include "alexnet_errors.hpp"

#include "metric_fixtures.hpp"

namespace roz {
namespace {

using test::condition;
using test::top1;
using test::value_of;

ConditionSummary clean(double accuracy, std::string model = "m") {
  return {condition("imagenet", "clean", "clean", {{"role", "in_distribution"}}, std::move(model)), top1(accuracy)};
}

// ImageNet-C-style unless told: 1000 classes, ImageNet-C's input corrupted (corruption_input).
ConditionSummary corrupted(const std::string& name, int severity, double accuracy, std::string model = "m",
                           std::string dataset = "imagenet", bool imagenet_c = true) {
  ConditionSummary c{
      condition(std::move(dataset), name + ":severity=" + std::to_string(severity), "corruption",
                {{"corruption", name}, {"severity", std::to_string(severity)}, {"role", "in_distribution"}},
                std::move(model)),
      top1(accuracy)};
  c.info.num_classes = imagenet_c ? 1000 : 10;
  if (imagenet_c) c.info.attributes["corruption_input"] = "imagenet_c";
  return c;
}

std::vector<ConditionSummary> across_conditions(const std::string& spec, const std::vector<ConditionSummary>& cs) {
  test::MetricUnderTest m(spec);
  return m.metric->across_conditions(cs, test::Run{}.reader());
}

// ImageNet-C-style: clean error 0.2; the 15 corruptions at severities 1-5: gaussian_noise errors 0.5, 0.6,
// 0.7, 0.6, 0.6 (mean 0.6), brightness 0.3 at each, the 13 others 0.5 at each; speckle_noise 0.4 at
// severity 1 (no AlexNet value).
std::vector<ConditionSummary> one_model(bool imagenet_c = true, const std::string& dataset = "imagenet") {
  std::vector<ConditionSummary> out = {clean(0.8)};
  out.front().info.dataset = dataset;
  const double gaussian[5] = {0.5, 0.4, 0.3, 0.4, 0.4};
  for (const auto& [name, alexnet] : corruption_error::kAlexNetErrors)
    for (int severity = 1; severity <= 5; ++severity)
      out.push_back(corrupted(std::string(name), severity,
                              name == "gaussian_noise" ? gaussian[severity - 1]
                              : name == "brightness"   ? 0.7
                                                       : 0.5,
                              "m", dataset, imagenet_c));
  out.push_back(corrupted("speckle_noise", 1, 0.6, "m", dataset, imagenet_c));
  return out;
}

// The mean over the 15 of error / AlexNet's (f maps a corruption's mean error and AlexNet's to a ratio).
template <class F>
double mean_over_alexnet(F f) {
  double sum = 0;
  for (const auto& [name, alexnet] : corruption_error::kAlexNetErrors)
    sum += f(name == "gaussian_noise" ? 0.6 : name == "brightness" ? 0.3 : 0.5, alexnet);
  return sum / 15;
}

TEST(CorruptionError, CeAgainstAlexNetIsTheMeanErrorOverAlexNetsMean) {
  auto rows = across_conditions("corruption_error", one_model());
  ASSERT_EQ(rows.size(), 17u);  // ce: of the 15 and speckle_noise, mce

  const auto& gaussian = test::row(rows, "imagenet", "ce:gaussian_noise");
  EXPECT_EQ(gaussian.info.kind, "summary");
  EXPECT_EQ(gaussian.info.model, "m");
  EXPECT_EQ(gaussian.info.attributes.at("corruption"), "gaussian_noise");
  EXPECT_EQ(gaussian.info.attributes.at("baseline"), "alexnet");
  EXPECT_NEAR(value_of(gaussian.values, "mean_error"), 0.6, 1e-12);
  EXPECT_EQ(value_of(gaussian.values, "severities"), 5);
  EXPECT_NEAR(value_of(gaussian.values, "ce"), 0.6 / 0.886428, 1e-12);
  EXPECT_FALSE(test::find_value(gaussian.values, "relative_ce"));  // no AlexNet clean error given

  const auto& brightness = test::row(rows, "imagenet", "ce:brightness");
  EXPECT_NEAR(value_of(brightness.values, "ce"), 0.3 / 0.564592, 1e-12);

  const auto& speckle = test::row(rows, "imagenet", "ce:speckle_noise");
  EXPECT_NEAR(value_of(speckle.values, "mean_error"), 0.4, 1e-12);
  EXPECT_FALSE(test::find_value(speckle.values, "ce"));

  const auto& mce = test::row(rows, "imagenet", "mce");
  EXPECT_EQ(mce.info.kind, "summary");
  EXPECT_NEAR(value_of(mce.values, "mce"), mean_over_alexnet([](double e, double a) { return e / a; }), 1e-12);
  EXPECT_NEAR(value_of(mce.values, "clean_error"), 0.2, 1e-12);
  EXPECT_FALSE(test::find_value(mce.values, "relative_mce"));
}

TEST(CorruptionError, CorruptionsWithoutSeverityAreNotPartOfIt) {
  std::vector<ConditionSummary> cs = one_model();
  ConditionSummary typographic = corrupted("typographic", 1, 0.1);
  typographic.info.attributes.erase("severity");
  cs.push_back(typographic);
  auto rows = across_conditions("corruption_error", cs);
  ASSERT_EQ(rows.size(), 17u);
  EXPECT_NEAR(value_of(test::row(rows, "imagenet", "mce").values, "mce"),
              mean_over_alexnet([](double e, double a) { return e / a; }), 1e-12);
}

TEST(CorruptionError, RelativeCeAgainstAlexNetNeedsItsCleanError) {
  auto rows = across_conditions("corruption_error:baseline_clean_error=0.4", one_model());
  const double gaussian = (0.6 - 0.2) / (0.886428 - 0.4), brightness = (0.3 - 0.2) / (0.564592 - 0.4);
  EXPECT_NEAR(value_of(test::row(rows, "imagenet", "ce:gaussian_noise").values, "relative_ce"), gaussian, 1e-12);
  EXPECT_NEAR(value_of(test::row(rows, "imagenet", "ce:brightness").values, "relative_ce"), brightness, 1e-12);
  EXPECT_NEAR(value_of(test::row(rows, "imagenet", "mce").values, "relative_mce"),
              mean_over_alexnet([](double e, double a) { return (e - 0.2) / (a - 0.4); }), 1e-12);
}

// AlexNet's errors were measured on ImageNet-C: 1000 classes, ImageNet-C's own 224 px input corrupted,
// severities 1-5. Elsewhere (Fashion-MNIST, or ImageNet corrupted at the model's input) no CE against
// them, and the row says why; a corruption missing a severity has no CE, and then there is no mCE.
TEST(CorruptionError, AlexNetIsTheBaselineOfImageNetCStyleDataOnly) {
  EXPECT_TRUE(across_conditions("corruption_error", one_model(false, "fashion-mnist")).empty());  // auto: across models
  auto rows = across_conditions("corruption_error:baseline=alexnet", one_model(false, "fashion-mnist"));
  ASSERT_EQ(rows.size(), 17u);
  for (const auto& r : rows) {
    EXPECT_FALSE(test::find_value(r.values, "ce"));
    EXPECT_FALSE(test::find_value(r.values, "mce"));
    EXPECT_EQ(r.info.attributes.at("baseline"),
              "none: AlexNet's ImageNet-C errors apply to ImageNet-C-style data only (10 classes, not ImageNet's "
              "1000; corrupted at the model's input, not ImageNet-C's (the dataset's corruption_input: imagenet_c))");
  }
  EXPECT_NEAR(value_of(test::row(rows, "fashion-mnist", "ce:gaussian_noise").values, "mean_error"), 0.6, 1e-12);

  auto cs = one_model();
  cs.erase(std::find_if(cs.begin(), cs.end(), [](const auto& c) { return c.info.condition == "fog:severity=5"; }));
  rows = across_conditions("corruption_error", cs);
  EXPECT_FALSE(test::find_value(test::row(rows, "imagenet", "ce:fog").values, "ce"));
  EXPECT_TRUE(test::find_value(test::row(rows, "imagenet", "ce:frost").values, "ce"));
  const auto& mce = test::row(rows, "imagenet", "mce");
  EXPECT_FALSE(test::find_value(mce.values, "mce"));
  EXPECT_EQ(mce.info.attributes.at("baseline"), "alexnet (no mCE: 14 of the 15 corruptions have all five severities)");
}

// Off ImageNet-C, baseline=auto compares with the run's first image classifier, measured the same way.
TEST(CorruptionError, AutoComparesWithTheRunsFirstImageClassifierOffImageNetC) {
  std::vector<ConditionSummary> classifier = {clean(0.9, "cnn"),
                                              corrupted("gaussian_noise", 1, 0.6, "cnn", "fashion-mnist", false),
                                              corrupted("gaussian_noise", 3, 0.2, "cnn", "fashion-mnist", false)};
  classifier.front().info.dataset = "fashion-mnist";
  for (auto& c : classifier) c.info.attributes["head"] = "label_set";
  std::vector<ConditionSummary> clip = {clean(0.8, "clip"),
                                        corrupted("gaussian_noise", 1, 0.7, "clip", "fashion-mnist", false),
                                        corrupted("gaussian_noise", 3, 0.4, "clip", "fashion-mnist", false)};
  clip.front().info.dataset = "fashion-mnist";
  test::MetricUnderTest m("corruption_error");
  auto rows = m.metric->across_models({clip, classifier});
  ASSERT_EQ(rows.size(), 2u);  // clip's ce:gaussian_noise and mce; none for the classifier itself
  const auto& gaussian = test::row(rows, "fashion-mnist", "ce:gaussian_noise");
  EXPECT_EQ(gaussian.info.model, "clip");
  EXPECT_EQ(gaussian.info.attributes.at("baseline"), "cnn");
  EXPECT_NEAR(value_of(gaussian.values, "ce"), (0.3 + 0.6) / (0.4 + 0.8), 1e-12);
  EXPECT_NEAR(value_of(gaussian.values, "relative_ce"), (0.3 + 0.6 - 2 * 0.2) / (0.4 + 0.8 - 2 * 0.1), 1e-12);
  // Without a classifier: mean errors, and why there is no CE.
  rows = m.metric->across_models({clip});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(test::find_value(test::row(rows, "fashion-mnist", "ce:gaussian_noise").values, "ce"));
  EXPECT_EQ(rows[0].info.attributes.at("baseline").rfind("none: not ImageNet-C-style data", 0), 0u);
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
  test::MetricUnderTest alexnet("corruption_error:baseline=alexnet");
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

// ood_detection: AUROC and FPR at 95% TPR of the MSP and MCM scores, against values computed by hand.
#include <gtest/gtest.h>

#include "metric_fixtures.hpp"

namespace roz {
namespace {

using test::condition;
using test::record;
using test::value_of;

// Two classes, logits [a, 0]: MSP = sigmoid(|a|), increasing in |a|, so the ranks follow a.
SampleRecord margin(std::string id, float a) {
  return record(std::move(id), 0, {a, 0});
}

ConditionInfo in_distribution(std::string scale = "1") {
  return condition("imagenet", "clean", "clean", {{"role", "in_distribution"}, {"logit_scale", std::move(scale)}});
}
ConditionInfo ood(std::string dataset, std::string scale = "1") {
  return condition(std::move(dataset), "clean", "clean", {{"role", "ood"}, {"logit_scale", std::move(scale)}});
}

TEST(OodDetection, AurocCountsTiesAsHalfAndFprUsesTheNineteenthOfTwentyScores) {
  // In-distribution margins 0.1, 0.2, ..., 2.0; OOD margins 0.2 (tied), 0.15, 0.05, 0.3 (tied).
  // AUROC: in-distribution scores above (+ half the ties) per OOD sample: 18.5 + 19 + 20 + 17.5 = 75 of 80.
  // FPR95: k = ceil(0.95 * 20) = 19, threshold = the 19th largest = margin 0.2; OOD >= it: 0.2, 0.3.
  test::Run run;
  std::vector<SampleRecord> id;
  for (int i = 1; i <= 20; ++i) id.push_back(margin("i" + std::to_string(i), static_cast<float>(i) / 10.0f));
  run.add(in_distribution(), id);
  run.add(ood("textures"), {margin("o1", 2.0f / 10.0f), margin("o2", 1.5f / 10.0f), margin("o3", 0.5f / 10.0f),
                            margin("o4", 3.0f / 10.0f)});
  test::MetricUnderTest m("ood_detection");
  auto rows = m.metric->across_conditions(run.summaries, run.reader());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].info.dataset, "textures");
  EXPECT_EQ(rows[0].info.attributes.at("role"), "ood");
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "auroc_msp"), 75.0 / 80.0);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "fpr95_msp"), 0.5);
  // logit_scale * tau = 1: MCM is MSP.
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "auroc_mcm"), 75.0 / 80.0);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "fpr95_mcm"), 0.5);
}

TEST(OodDetection, McmTemperatureCanReverseTheRanking) {
  // x = [4, 4, -10] (in-distribution), y = [3, 0, 0] (OOD). MSP: x 0.5000 < y 0.9094. MCM with
  // logit_scale 10, tau 1, i.e. softmax(logits / 10): x 0.4451 > y 0.4030.
  test::Run run;
  run.add(in_distribution("10"), {record("x", 0, {4, 4, -10})});
  run.add(ood("places", "10"), {record("y", 0, {3, 0, 0})});
  test::MetricUnderTest m("ood_detection");
  auto rows = m.metric->across_conditions(run.summaries, run.reader());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "auroc_msp"), 0);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "fpr95_msp"), 1);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "auroc_mcm"), 1);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "fpr95_mcm"), 0);
  // tau = 0.1 undoes the scale: MCM is MSP again.
  test::MetricUnderTest sharp("ood_detection:mcm_temperature=0.1");
  rows = sharp.metric->across_conditions(run.summaries, run.reader());
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "auroc_mcm"), 0);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "fpr95_mcm"), 1);
}

TEST(OodDetection, IdenticalScoresGiveChanceAurocAndFullFpr) {
  test::Run run;
  run.add(in_distribution(), {margin("a", 1), margin("b", 1), margin("c", 1)});
  run.add(ood("svhn"), {margin("d", 1), margin("e", 1)});
  test::MetricUnderTest m("ood_detection");
  auto rows = m.metric->across_conditions(run.summaries, run.reader());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "auroc_msp"), 0.5);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "fpr95_msp"), 1);
}

TEST(OodDetection, OneRowPerOodConditionWithRecords) {
  // Without roles elsewhere the first clean condition would be the reference; here roles exist, and
  // only role=ood conditions are scored. The shift set and the empty OOD set get no row.
  test::Run run;
  run.add(ood("textures"), {margin("o", 0.5f)});
  run.add(condition("imagenet-r", "clean", "clean", {{"role", "shift"}, {"logit_scale", "1"}}), {margin("r", 3)});
  run.add(in_distribution(), {margin("i", 1)});
  run.add(ood("inaturalist"));
  run.add(ood("places"), {margin("p", 2)});
  test::MetricUnderTest m("ood_detection");
  auto rows = m.metric->across_conditions(run.summaries, run.reader());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_DOUBLE_EQ(value_of(test::row(rows, "textures", "clean").values, "auroc_msp"), 1);
  EXPECT_DOUBLE_EQ(value_of(test::row(rows, "places", "clean").values, "auroc_msp"), 0);
}

TEST(OodDetection, NothingWithoutInDistributionRecordsOrOodConditions) {
  test::MetricUnderTest m("ood_detection");
  test::Run no_id;
  no_id.add(in_distribution());
  no_id.add(ood("textures"), {margin("o", 1)});
  EXPECT_TRUE(m.metric->across_conditions(no_id.summaries, no_id.reader()).empty());
  test::Run no_ood;
  no_ood.add(in_distribution(), {margin("i", 1)});
  EXPECT_TRUE(m.metric->across_conditions(no_ood.summaries, no_ood.reader()).empty());
}

TEST(OodDetection, MissingOrBadLogitScaleNamesTheCondition) {
  test::MetricUnderTest m("ood_detection");
  test::Run run;
  run.add(in_distribution(), {margin("i", 1)});
  run.add(condition("textures", "clean", "clean", {{"role", "ood"}}), {margin("o", 1)});
  std::string message = test::error_of([&] { m.metric->across_conditions(run.summaries, run.reader()); });
  EXPECT_NE(message.find("ood_detection: condition 'clean' of 'textures' has no logit_scale attribute"),
            std::string::npos)
      << message;
  test::Run bad;
  bad.add(in_distribution("-3"), {margin("i", 1)});
  bad.add(ood("textures"), {margin("o", 1)});
  message = test::error_of([&] { m.metric->across_conditions(bad.summaries, bad.reader()); });
  EXPECT_NE(message.find("condition 'clean' of 'imagenet': logit_scale '-3' is not a positive number"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace roz

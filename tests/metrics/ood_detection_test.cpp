// ood_detection: AUROC, FPR at 95% TPR, AUPR-In and AUPR-Out of the MSP, MCM, max-logit and energy
// scores, against values computed by hand (the AUPRs as sklearn's average_precision_score gives them),
// each OOD set against the in-distribution set of its label space.
#include <gtest/gtest.h>

#include "metric_fixtures.hpp"

namespace roz {
namespace {

using test::condition;
using test::record;
using test::value_of;

// Two classes, logits [a, 0] with a >= 0: MSP = sigmoid(a), max logit a, energy log(e^a + 1), all
// increasing in a, so every score ranks as a does.
SampleRecord margin(std::string id, float a) {
  return record(std::move(id), 0, {a, 0});
}
// An OOD record: no label in the in-distribution label space.
SampleRecord away(std::string id, float a) {
  return record(std::move(id), -1, {a, 0});
}

ConditionInfo in_distribution(std::string scale = "1", std::string dataset = "imagenet") {
  return condition(std::move(dataset), "clean", "clean",
                   {{"role", "in_distribution"}, {"logit_scale", std::move(scale)}});
}
ConditionInfo ood(std::string dataset, std::string scale = "1", std::string label_space = "imagenet") {
  return condition(std::move(dataset), "clean", "clean",
                   {{"role", "ood"}, {"logit_scale", std::move(scale)}, {"label_space", std::move(label_space)}});
}

const char* const kScores[] = {"msp", "mcm", "max_logit", "energy"};

// The metric's rows over the run's conditions.
std::vector<ConditionSummary> detect(const test::Run& run, const std::string& spec = "ood_detection") {
  test::MetricUnderTest m(spec);
  return m.metric->across_conditions(run.summaries, run.reader());
}

TEST(OodDetection, AurocCountsTiesAsHalfAndFprUsesTheNineteenthOfTwentyScores) {
  // In-distribution margins 0.1, 0.2, ..., 2.0; OOD margins 0.2 (tied), 0.15, 0.05, 0.3 (tied).
  // AUROC: in-distribution scores above (+ half the ties) per OOD sample: 18.5 + 19 + 20 + 17.5 = 75 of 80.
  // FPR95: k = ceil(0.95 * 20) = 19, threshold = the 19th largest = margin 0.2; OOD >= it: 0.2, 0.3.
  test::Run run;
  std::vector<SampleRecord> id;
  for (int i = 1; i <= 20; ++i) id.push_back(margin("i" + std::to_string(i), static_cast<float>(i) / 10.0f));
  run.add(in_distribution(), id);
  run.add(ood("textures"),
          {away("o1", 2.0f / 10.0f), away("o2", 1.5f / 10.0f), away("o3", 0.5f / 10.0f), away("o4", 3.0f / 10.0f)});
  auto rows = detect(run);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].info.dataset, "textures");
  EXPECT_EQ(rows[0].info.attributes.at("role"), "ood");
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "auroc_msp"), 75.0 / 80.0);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "fpr95_msp"), 0.5);
  // logit_scale * tau = 1: MCM is MSP; max logit and energy rank as MSP here.
  for (const std::string s : kScores) {
    EXPECT_DOUBLE_EQ(value_of(rows[0].values, "auroc_" + s), 75.0 / 80.0) << s;
    EXPECT_DOUBLE_EQ(value_of(rows[0].values, "fpr95_" + s), 0.5) << s;
  }
}

TEST(OodDetection, AuprInAndOutAreSklearnsAveragePrecision) {
  // Scores descending: 0.4 in, 0.3 in, 0.2 out, 0.1 in, 0 out.
  // AUPR-In (3 positives): recall 1/3 at precision 1, 2/3 at 1, 2/3 at 2/3, 1 at 3/4: 1/3 + 1/3 + 1/4 = 11/12.
  // AUPR-Out (negated, 2 positives): 0 out at precision 1 (recall 1/2), -0.2 out at 2/3 (recall 1): 1/2 + 1/3.
  // sklearn.metrics.average_precision_score([1, 1, 0, 1, 0], [.4, .3, .2, .1, 0]) = 0.91666...
  test::Run run;
  run.add(in_distribution(), {margin("a", 0.4f), margin("b", 0.3f), margin("c", 0.1f)});
  run.add(ood("svhn"), {away("d", 0.2f), away("e", 0)});
  auto rows = detect(run);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].values.size(), 16u);
  for (const std::string s : kScores) {
    EXPECT_DOUBLE_EQ(value_of(rows[0].values, "aupr_in_" + s), 11.0 / 12.0) << s;
    EXPECT_DOUBLE_EQ(value_of(rows[0].values, "aupr_out_" + s), 5.0 / 6.0) << s;
    EXPECT_DOUBLE_EQ(value_of(rows[0].values, "auroc_" + s), 5.0 / 6.0) << s;
  }
}

TEST(OodDetection, McmTemperatureCanReverseTheRanking) {
  // x = [4, 4, -10] (in-distribution), y = [3, 0, 0] (OOD). MSP: x 0.5000 < y 0.9094. MCM with
  // logit_scale 10, tau 1, i.e. softmax(logits / 10): x 0.4451 > y 0.4030.
  test::Run run;
  run.add(in_distribution("10"), {record("x", 0, {4, 4, -10})});
  run.add(ood("places", "10"), {record("y", -1, {3, 0, 0})});
  auto rows = detect(run);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "auroc_msp"), 0);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "fpr95_msp"), 1);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "auroc_mcm"), 1);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "fpr95_mcm"), 0);
  // Max logit 4 > 3; energy log(2 e^4 + e^-10) = 4.69 > log(e^3 + 2) = 3.13: both rank x first.
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "auroc_max_logit"), 1);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "auroc_energy"), 1);
  // At T = 1000 the energy is about T log 3 + the mean logit: -2/3 for x, 1 for y.
  EXPECT_DOUBLE_EQ(value_of(detect(run, "ood_detection:energy_temperature=1000")[0].values, "auroc_energy"), 0);
  // tau = 0.1 undoes the scale: MCM is MSP again.
  rows = detect(run, "ood_detection:mcm_temperature=0.1");
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "auroc_mcm"), 0);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "fpr95_mcm"), 1);
}

TEST(OodDetection, IdenticalScoresGiveChanceAurocAndFullFpr) {
  test::Run run;
  run.add(in_distribution(), {margin("a", 1), margin("b", 1), margin("c", 1)});
  run.add(ood("svhn"), {away("d", 1), away("e", 1)});
  auto rows = detect(run);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "auroc_msp"), 0.5);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "fpr95_msp"), 1);
  // One threshold takes all five: precision 3/5 for the in-distribution side, 2/5 for the OOD one.
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "aupr_in_msp"), 0.6);
  EXPECT_DOUBLE_EQ(value_of(rows[0].values, "aupr_out_msp"), 0.4);
}

TEST(OodDetection, OneRowPerOodConditionWithRecords) {
  // Without roles elsewhere the first clean condition would be the reference; here roles exist, and
  // only role=ood conditions are scored. The shift set and the empty OOD set get no row.
  test::Run run;
  run.add(ood("textures"), {away("o", 0.5f)});
  run.add(condition("imagenet-r", "clean", "clean", {{"role", "shift"}, {"logit_scale", "1"}}), {margin("r", 3)});
  run.add(in_distribution(), {margin("i", 1)});
  run.add(ood("inaturalist"));
  run.add(ood("places"), {away("p", 2)});
  auto rows = detect(run);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_DOUBLE_EQ(value_of(test::row(rows, "textures", "clean").values, "auroc_msp"), 1);
  EXPECT_DOUBLE_EQ(value_of(test::row(rows, "places", "clean").values, "auroc_msp"), 0);
}

TEST(OodDetection, EachOodSetIsComparedWithTheInDistributionSetOfItsLabelSpace) {
  // Margin 2 lies above imagenet's 1 and below cifar10's 3: AUROC 0 against one, 1 against the other.
  test::Run run;
  run.add(in_distribution("1", "imagenet"), {margin("i", 1)});
  run.add(in_distribution("1", "cifar10"), {margin("c", 3)});
  run.add(ood("places", "1", "imagenet"), {away("p", 2)});
  run.add(ood("svhn", "1", "cifar10"), {away("s", 2)});
  auto rows = detect(run);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_DOUBLE_EQ(value_of(test::row(rows, "places", "clean").values, "auroc_msp"), 0);
  EXPECT_DOUBLE_EQ(value_of(test::row(rows, "svhn", "clean").values, "auroc_msp"), 1);
}

TEST(OodDetection, AnOodSetScoredWithItsOwnClassesIsRefused) {
  // No label_space: the set was scored over its own classes (a store from before the protocol), or
  // over a different number of classes than its in-distribution set.
  test::Run own;
  own.add(in_distribution(), {margin("i", 1)});
  own.add(condition("mnist", "clean", "clean", {{"role", "ood"}, {"logit_scale", "1"}}), {away("o", 1)});
  std::string message = test::error_of([&] { detect(own); });
  EXPECT_NE(message.find("ood_detection: condition 'clean' of 'mnist' has no label_space attribute: it was scored "
                         "with its own classes"),
            std::string::npos)
      << message;
  test::Run wider;
  wider.add(in_distribution(), {margin("i", 1)});
  wider.add(ood("mnist"), {record("o", -1, {1, 0, 0})});
  message = test::error_of([&] { detect(wider); });
  EXPECT_NE(message.find("condition 'clean' of 'mnist' has 3 logits per image, its in-distribution condition 'clean' "
                         "of 'imagenet' 2"),
            std::string::npos)
      << message;
}

TEST(OodDetection, NothingWithoutInDistributionRecordsOrOodConditions) {
  test::Run no_id;
  no_id.add(in_distribution());
  no_id.add(ood("textures"), {away("o", 1)});
  EXPECT_TRUE(detect(no_id).empty());
  test::Run no_ood;
  no_ood.add(in_distribution(), {margin("i", 1)});
  EXPECT_TRUE(detect(no_ood).empty());
}

TEST(OodDetection, MissingOrBadLogitScaleNamesTheCondition) {
  test::Run run;
  run.add(in_distribution(), {margin("i", 1)});
  run.add(condition("textures", "clean", "clean", {{"role", "ood"}, {"label_space", "imagenet"}}), {away("o", 1)});
  std::string message = test::error_of([&] { detect(run); });
  EXPECT_NE(message.find("ood_detection: condition 'clean' of 'textures' has no logit_scale attribute"),
            std::string::npos)
      << message;
  test::Run bad;
  bad.add(in_distribution("-3"), {margin("i", 1)});
  bad.add(ood("textures"), {away("o", 1)});
  message = test::error_of([&] { detect(bad); });
  EXPECT_NE(message.find("condition 'clean' of 'imagenet': logit_scale '-3' is not a positive number"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace roz

// calibration: ECE and NLL per condition, and temperature scaling across conditions, against values
// computed by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "metric_fixtures.hpp"
#include "roz/seed.hpp"

namespace roz {
namespace {

using test::condition;
using test::record;
using test::value_of;

// Two classes, logits [log(p / (1 - p)), 0]: softmax confidence p on class 0.
SampleRecord binary(std::string id, std::int64_t label, double p) {
  return record(std::move(id), label, {static_cast<float>(std::log(p / (1 - p))), 0.0f});
}

std::vector<MetricValue> per_condition(const std::string& spec, const std::vector<SampleRecord>& records) {
  test::MetricUnderTest m(spec);
  auto acc = m.metric->accumulate(ConditionInfo{});
  for (const auto& r : records) acc->add(r);
  return acc->finish();
}

TEST(Calibration, EceWeighsEachBinsGapByItsShare) {
  // Bin (14/15, 1]: confidence 0.95, accuracy 1/2; bin (10/15, 11/15]: confidence 0.7, accuracy 1.
  // ECE = 1/2 * 0.45 + 1/2 * 0.3 = 0.375. NLL = -(ln 0.95 + ln 0.05 + 2 ln 0.7) / 4.
  std::vector<SampleRecord> rs = {binary("a", 0, 0.95), binary("b", 1, 0.95), binary("c", 0, 0.7), binary("d", 0, 0.7)};
  auto values = per_condition("calibration", rs);
  ASSERT_EQ(values.size(), 6u);  // ece, nll, and the two non-empty bins' reliability points
  EXPECT_NEAR(value_of(values, "ece"), 0.375, 1e-6);
  EXPECT_NEAR(value_of(values, "bin14_confidence"), 0.95, 1e-6);
  EXPECT_NEAR(value_of(values, "bin14_accuracy"), 0.5, 1e-12);
  EXPECT_NEAR(value_of(values, "bin10_confidence"), 0.7, 1e-6);
  EXPECT_NEAR(value_of(values, "bin10_accuracy"), 1.0, 1e-12);
  EXPECT_NEAR(value_of(values, "nll"), -(std::log(0.95) + std::log(0.05) + 2 * std::log(0.7)) / 4, 1e-6);
  // One bin: |mean accuracy - mean confidence| = |0.75 - 0.825|.
  EXPECT_NEAR(value_of(per_condition("calibration:bins=1", rs), "ece"), 0.075, 1e-6);
}

TEST(Calibration, TiesWithTheTruthAreCorrectAndAcceptedLabelsPoolTheirProbability) {
  // [1, 1, 0] label 1: tied with class 0, correct as the accuracy plugin counts it; confidence
  // e / (2e + 1) = 0.42232 alone in its bin, gap 1 - 0.42232.
  SampleRecord tie = record("tie", 1, {1, 1, 0});
  auto values = per_condition("calibration", {tie});
  EXPECT_NEAR(value_of(values, "ece"), 1 - std::exp(1.0) / (2 * std::exp(1.0) + 1), 1e-9);
  EXPECT_NEAR(value_of(values, "nll"), std::log(2 * std::exp(1.0) + 1) - 1, 1e-9);
  // Accepted {0, 2} under [0, 3, 1]: wrong, NLL = -ln((1 + e) / (1 + e^3 + e)) = 1.85658.
  SampleRecord pooled = record("pooled", 0, {0, 3, 1});
  pooled.accepted_labels = {0, 2};
  values = per_condition("calibration", {pooled});
  EXPECT_NEAR(value_of(values, "nll"), 1.8565843320380628, 1e-9);
  EXPECT_NEAR(value_of(values, "ece"), 0.8437947344813395, 1e-9);  // accuracy 0, confidence e^3 / (1 + e^3 + e)
}

TEST(Calibration, NoRecordsNoValues) {
  EXPECT_TRUE(per_condition("calibration", {}).empty());
  // Unlabelled records (an OOD set scored in another label space) have nothing to be calibrated against.
  EXPECT_TRUE(per_condition("calibration", {record("o", -1, {1, 0})}).empty());
}

TEST(Calibration, LabelOutsideTheClassesNamesThePluginAndTheSample) {
  std::string message = test::error_of([] { per_condition("calibration", {record("s7", 5, {1, 0})}); });
  EXPECT_NE(message.find("calibration: sample 's7': label 5 outside the 2 classes"), std::string::npos) << message;
}

// A held-out set: 4 records with logits [2, 0], 3 of them labelled 0. NLL(T) is minimal where
// sigmoid(2 / T) = 3/4, so T = 2 / ln 3 = 1.82048; then every confidence is 0.75 = the accuracy.
std::vector<SampleRecord> held_out() {
  return {record("i0", 0, {2, 0}), record("i1", 0, {2, 0}), record("i2", 0, {2, 0}), record("i3", 1, {2, 0})};
}

TEST(Calibration, TemperatureFittedOnANamedHeldOutSetAppliesToEveryOtherCondition) {
  test::MetricUnderTest m("calibration:fit_on=imagenet-calib");
  test::Run run;
  run.add(condition("imagenet-r", "clean", "clean", {{"role", "shift"}}),
          {record("r0", 0, {1, 0}), record("r1", 1, {1, 0})});
  run.add(condition("imagenet-calib", "clean", "clean", {{"role", "in_distribution"}}), held_out());
  run.add(condition("imagenet", "clean", "clean", {{"role", "in_distribution"}}), held_out());
  run.add(condition("imagenet", "pgd:eps=1/255", "attack", {{"role", "in_distribution"}}));  // no records kept
  auto rows = m.metric->across_conditions(run.summaries, run.reader());
  ASSERT_EQ(rows.size(), 2u);  // the fit set itself is not reported on

  const double t = 2 / std::log(3.0);
  const auto& id = test::row(rows, "imagenet", "clean");
  EXPECT_NEAR(value_of(id.values, "temperature"), t, 1e-5);
  EXPECT_NEAR(value_of(id.values, "ece_ts"), 0, 1e-6);
  EXPECT_NEAR(value_of(id.values, "nll_ts"), -(0.75 * std::log(0.75) + 0.25 * std::log(0.25)), 1e-9);
  EXPECT_EQ(value_of(id.values, "fit_samples"), 4);
  EXPECT_EQ(value_of(id.values, "ts_samples"), 4);
  EXPECT_EQ(id.info.attributes.at("calibration_fit"), "all of imagenet-calib clean");

  // Shift: logits [1, 0], one right one wrong; at T, confidence sigmoid(ln 3 / 2) = sqrt3 / (sqrt3 + 1).
  const auto& shift = test::row(rows, "imagenet-r", "clean");
  EXPECT_EQ(shift.info.attributes.at("role"), "shift");
  const double q = std::sqrt(3.0) / (std::sqrt(3.0) + 1);
  EXPECT_NEAR(value_of(shift.values, "temperature"), t, 1e-5);
  EXPECT_NEAR(value_of(shift.values, "ece_ts"), q - 0.5, 1e-6);
  EXPECT_NEAR(value_of(shift.values, "nll_ts"), -(std::log(q) + std::log(1 - q)) / 2, 1e-6);

  test::MetricUnderTest unknown("calibration:fit_on=imagenet-v9");
  EXPECT_NE(test::error_of([&] {
              unknown.metric->across_conditions(run.summaries, run.reader());
            }).find("fit_on='imagenet-v9' names no dataset with a clean condition"),
            std::string::npos);
}

// By default a seeded half of the in-distribution clean set fits T and the other half is reported on:
// the fit half here is four copies of held_out()'s pattern (T = 2 / ln 3) and the report half is
// all right at logit margin 2, so its ECE at T is 1 - 0.75 = 0.25; had T been fitted or reported on
// every image, neither number would come out.
TEST(Calibration, TheDefaultSplitFitsOnASeededHalfAndReportsOnTheOther) {
  for (std::uint64_t seed : {0u, 1u, 7u}) {
    // The split the metric makes: ids ordered by derive_seed(split_seed, "calibration", id).
    std::vector<std::pair<std::uint64_t, std::string>> order;
    for (int i = 0; i < 32; ++i) {
      const std::string id = "s" + std::to_string(i);
      order.emplace_back(derive_seed(seed, "calibration", id), id);
    }
    std::sort(order.begin(), order.end());
    std::vector<SampleRecord> id_set, shifted;
    for (std::size_t k = 0; k < order.size(); ++k) {
      const bool fit = k < order.size() / 2;
      // Fit half: 3 of every 4 right; report half: all right.
      id_set.push_back(record(order[k].second, fit && k % 4 == 3 ? 1 : 0, {2, 0}));
      shifted.push_back(record(order[k].second, fit ? 1 : 0, {2, 0}));  // of another dataset: all reported
    }
    test::MetricUnderTest m("calibration:split_seed=" + std::to_string(seed));
    test::Run run;
    run.add(condition("imagenet", "clean", "clean", {{"role", "in_distribution"}}), id_set);
    run.add(condition("imagenet", "fog:severity=1", "corruption", {{"role", "in_distribution"}}), id_set);
    run.add(condition("imagenet-r", "clean", "clean", {{"role", "shift"}}), shifted);
    auto rows = m.metric->across_conditions(run.summaries, run.reader());
    ASSERT_EQ(rows.size(), 3u);
    for (const char* name : {"clean", "fog:severity=1"}) {
      const auto& r = test::row(rows, "imagenet", name);
      EXPECT_NEAR(value_of(r.values, "temperature"), 2 / std::log(3.0), 1e-5) << seed;
      EXPECT_NEAR(value_of(r.values, "ece_ts"), 0.25, 1e-6) << seed << " " << name;
      EXPECT_EQ(value_of(r.values, "fit_samples"), 16);
      EXPECT_EQ(value_of(r.values, "ts_samples"), 16);
      EXPECT_EQ(r.info.attributes.at("calibration_fit"),
                "half of imagenet clean (split_seed " + std::to_string(seed) + "), reported on the other half");
    }
    const auto& other = test::row(rows, "imagenet-r", "clean");
    EXPECT_EQ(value_of(other.values, "ts_samples"), 32);        // another dataset: every sample
    EXPECT_NEAR(value_of(other.values, "ece_ts"), 0.25, 1e-6);  // half right at confidence 0.75
  }
}

TEST(Calibration, WithoutRolesTheFirstCleanConditionIsTheReference) {
  test::MetricUnderTest m("calibration");
  test::Run run;
  run.add(condition("cifar10", "gaussian_noise:severity=1", "corruption"), {record("c0", 0, {5, 0})});
  std::vector<SampleRecord> doubled = held_out();
  for (const SampleRecord& r : held_out()) doubled.push_back(record(r.sample_id + "b", r.label, r.logits));
  run.add(condition("cifar10", "clean", "clean"), doubled);
  run.add(condition("cifar10.1", "clean", "clean"), {record("x", 0, {9, 0})});
  auto rows = m.metric->across_conditions(run.summaries, run.reader());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(test::row(rows, "cifar10.1", "clean").info.attributes.at("calibration_fit"),
            "half of cifar10 clean (split_seed 0), reported on the other half");
}

TEST(Calibration, SeparableDataDrivesTheTemperatureToTheLowerEdge) {
  // Every record right: the NLL ln(1 + exp(-margin / T)) falls as T falls, down to the search edge e^-5.
  // The margin is small enough that the NLL still falls there in double precision.
  test::MetricUnderTest m("calibration");
  test::Run run;
  run.add(condition("d", "clean", "clean"), {record("a", 0, {0.01f, 0}), record("b", 1, {0, 0.01f}),
                                             record("c", 0, {0.01f, 0}), record("e", 1, {0, 0.01f})});
  auto rows = m.metric->across_conditions(run.summaries, run.reader());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NEAR(value_of(rows[0].values, "temperature"), std::exp(-5.0), 1e-7);
  EXPECT_NEAR(value_of(rows[0].values, "nll_ts"), std::log1p(std::exp(-static_cast<double>(0.01f) * std::exp(5.0))),
              1e-6);
}

TEST(Calibration, NothingAcrossConditionsWithoutAReferenceOrItsRecords) {
  test::MetricUnderTest m("calibration");
  test::Run no_reference;
  no_reference.add(condition("imagenet-r", "clean", "clean", {{"role", "shift"}}), held_out());
  EXPECT_TRUE(m.metric->across_conditions(no_reference.summaries, no_reference.reader()).empty());
  test::Run no_records;
  no_records.add(condition("imagenet", "clean", "clean", {{"role", "in_distribution"}}));
  EXPECT_TRUE(m.metric->across_conditions(no_records.summaries, no_records.reader()).empty());
  EXPECT_TRUE(m.metric->across_conditions({}, no_records.reader()).empty());
}

}  // namespace
}  // namespace roz

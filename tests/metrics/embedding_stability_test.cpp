// embedding_stability: cosine, distance and minimum-enclosing-ball radius of perturbed embeddings per
// perturbation group, against values computed by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "metric_fixtures.hpp"

namespace roz {
namespace {

using test::condition;
using test::record;
using test::value_of;

SampleRecord embedded(std::string id, std::vector<float> embedding) {
  SampleRecord r = record(std::move(id), 0, {1, 0});
  r.embedding = std::move(embedding);
  return r;
}

ConditionInfo perturbed(const std::string& name, const std::string& group) {
  return condition("cifar10", name, "corruption", {{"perturbation_group", group}});
}

// s1: clean (1, 0); severity 1 (0, 1); severity 2 (1.2, 1.6), normalised (0.6, 0.8).
// s2: clean (0, 1); severity 1 (0, 1); severity 2 (0, -1).
// s3 lacks an embedding at severity 2; s4 exists in the clean condition only: both skipped.
test::Run two_severities() {
  test::Run run;
  run.add(condition("cifar10", "clean", "clean"),
          {embedded("s1", {1, 0}), embedded("s2", {0, 1}), embedded("s3", {1, 0}), embedded("s4", {1, 0})});
  run.add(perturbed("fog:severity=1", "fog"), {embedded("s1", {0, 1}), embedded("s2", {0, 1}), embedded("s3", {1, 0})});
  run.add(perturbed("fog:severity=2", "fog"),
          {embedded("s2", {0, -1}), embedded("s1", {1.2f, 1.6f}), record("s3", 0, {1, 0})});
  return run;
}

TEST(EmbeddingStability, CosineDistanceAndBallRadiusPerGroup) {
  test::Run run = two_severities();
  test::MetricUnderTest m("embedding_stability:meb_iterations=1");  // one step: the midpoint of two points
  auto rows = m.metric->across_conditions(run.summaries, run.reader());
  ASSERT_EQ(rows.size(), 1u);
  const auto& r = rows[0];
  EXPECT_EQ(r.info.condition, "group:fog");
  EXPECT_EQ(r.info.kind, "summary");
  EXPECT_EQ(r.info.dataset, "cifar10");
  EXPECT_EQ(r.info.attributes.at("perturbation_group"), "fog");
  // Cosines 0, 0.6 (s1) and 1, -1 (s2); distances sqrt2, sqrt0.8, 0, 2.
  EXPECT_NEAR(value_of(r.values, "mean_cosine"), (0 + 0.6 + 1 - 1) / 4, 1e-6);
  EXPECT_NEAR(value_of(r.values, "mean_distance"), (std::sqrt(2.0) + std::sqrt(0.8) + 0 + 2) / 4, 1e-6);
  // Radii: half of |(0, 1) - (0.6, 0.8)| = sqrt0.4 / 2 (s1), half of |(0, 1) - (0, -1)| = 1 (s2).
  EXPECT_NEAR(value_of(r.values, "mean_meb_radius"), (std::sqrt(0.4) / 2 + 1) / 2, 1e-6);
  EXPECT_EQ(value_of(r.values, "samples"), 2);
  EXPECT_EQ(value_of(r.values, "skipped"), 2);
}

TEST(EmbeddingStability, BallRadiusIsWithinTheBadoiuClarksonBound) {
  // An equilateral triangle on the unit circle: the minimum enclosing ball is the unit ball about the
  // origin; N iterations give a radius in [1, 1 + 1/sqrt(N)].
  const float h = std::sqrt(3.0f) / 2;
  test::Run run;
  run.add(condition("d", "clean", "clean"), {embedded("s", {0, 0, 1})});
  run.add(condition("d", "draw1", "corruption", {{"perturbation_group", "draws"}}), {embedded("s", {0, 1, 0})});
  run.add(condition("d", "draw2", "corruption", {{"perturbation_group", "draws"}}), {embedded("s", {-h, -0.5f, 0})});
  run.add(condition("d", "draw3", "corruption", {{"perturbation_group", "draws"}}), {embedded("s", {h, -0.5f, 0})});
  for (auto [iterations, bound] : {std::pair{100, 1.1}, std::pair{10000, 1.01}}) {
    test::MetricUnderTest m("embedding_stability:meb_iterations=" + std::to_string(iterations));
    auto rows = m.metric->across_conditions(run.summaries, run.reader());
    ASSERT_EQ(rows.size(), 1u);
    const double radius = value_of(rows[0].values, "mean_meb_radius");
    EXPECT_GE(radius, 1 - 1e-6);
    EXPECT_LE(radius, bound);
    EXPECT_NEAR(value_of(rows[0].values, "mean_cosine"), 0, 1e-6);  // all orthogonal to e0
    EXPECT_NEAR(value_of(rows[0].values, "mean_distance"), std::sqrt(2.0), 1e-6);
  }
}

TEST(EmbeddingStability, GroupsAreSeparateAndASingleConditionHasRadiusZero) {
  test::Run run = two_severities();
  run.add(perturbed("jpeg:quality=10", "jpeg"), {embedded("s1", {1, 0}), embedded("s2", {1, 0})});
  run.add(condition("cifar10", "pgd:eps=1/255", "attack"), {embedded("s1", {0, 1})});  // no group: ignored
  test::MetricUnderTest m("embedding_stability");
  auto rows = m.metric->across_conditions(run.summaries, run.reader());
  ASSERT_EQ(rows.size(), 2u);
  const auto& jpeg = test::row(rows, "cifar10", "group:jpeg");
  EXPECT_NEAR(value_of(jpeg.values, "mean_cosine"), 0.5, 1e-6);  // s1: 1, s2: 0
  EXPECT_NEAR(value_of(jpeg.values, "mean_meb_radius"), 0, 1e-12);
  EXPECT_EQ(value_of(jpeg.values, "samples"), 2);
  EXPECT_EQ(value_of(jpeg.values, "skipped"), 2);  // s3, s4 are not in the jpeg condition
}

TEST(EmbeddingStability, NoComparableSampleGivesCountsOnlyAndNoGroupNoRows) {
  test::Run run;
  run.add(condition("cifar10", "clean", "clean"), {record("s1", 0, {1, 0})});  // the host kept no embeddings
  run.add(perturbed("fog:severity=1", "fog"), {record("s1", 0, {1, 0})});
  test::MetricUnderTest m("embedding_stability");
  auto rows = m.metric->across_conditions(run.summaries, run.reader());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_FALSE(test::find_value(rows[0].values, "mean_cosine"));
  EXPECT_EQ(value_of(rows[0].values, "samples"), 0);
  EXPECT_EQ(value_of(rows[0].values, "skipped"), 1);

  test::Run ungrouped;
  ungrouped.add(condition("cifar10", "clean", "clean"), {embedded("s1", {1, 0})});
  EXPECT_TRUE(m.metric->across_conditions(ungrouped.summaries, ungrouped.reader()).empty());
}

TEST(EmbeddingStability, MismatchedDimensionsOrNoCleanConditionIsAnError) {
  test::Run run = two_severities();
  run.records[{"cifar10", "fog:severity=1"}][1].embedding = {0, 1, 0};
  test::MetricUnderTest m("embedding_stability");
  std::string message = test::error_of([&] { m.metric->across_conditions(run.summaries, run.reader()); });
  EXPECT_NE(message.find("embedding_stability: condition 'fog:severity=1' of 'cifar10': sample 's2' has a "
                         "3-dimensional embedding, others have 2"),
            std::string::npos)
      << message;

  test::Run no_clean;
  no_clean.add(perturbed("fog:severity=1", "fog"), {embedded("s1", {0, 1})});
  message = test::error_of([&] { m.metric->across_conditions(no_clean.summaries, no_clean.reader()); });
  EXPECT_NE(message.find("embedding_stability: perturbation group 'fog' of 'cifar10' has no clean condition"),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace roz

// embedding_stability: cosine, distance and DivergenceRadius of perturbed embeddings per perturbation
// group, against values computed by hand; the radius itself against a brute-force minimum enclosing
// ball and the five properties the embedding-robustness paper requires of a robustness metric.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cmath>
#include <limits>

#include "divergence_radius.hpp"
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
  test::MetricUnderTest m("embedding_stability");
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
  // Radii over the clean and perturbed embeddings: s1's (1, 0), (0, 1), (0.6, 0.8) lie in a quarter
  // circle, the ball on the diameter (1, 0)-(0, 1) holds them: sqrt2 / 2; s2's (0, 1), (0, 1), (0, -1): 1.
  EXPECT_NEAR(value_of(r.values, "mean_divergence_radius"), (std::sqrt(2.0) / 2 + 1) / 2, 1e-9);
  EXPECT_EQ(value_of(r.values, "samples"), 2);
  EXPECT_EQ(value_of(r.values, "skipped"), 2);
}

TEST(EmbeddingStability, TheRadiusIsTheExactMinimumEnclosingBall) {
  // An equilateral triangle on the unit circle and the clean embedding at the pole: the minimum
  // enclosing ball is the unit ball about the origin, radius 1 exactly (an approximation is above).
  const float h = std::sqrt(3.0f) / 2;
  test::Run run;
  run.add(condition("d", "clean", "clean"), {embedded("s", {0, 0, 1})});
  run.add(condition("d", "draw1", "corruption", {{"perturbation_group", "draws"}}), {embedded("s", {0, 1, 0})});
  run.add(condition("d", "draw2", "corruption", {{"perturbation_group", "draws"}}), {embedded("s", {-h, -0.5f, 0})});
  run.add(condition("d", "draw3", "corruption", {{"perturbation_group", "draws"}}), {embedded("s", {h, -0.5f, 0})});
  test::MetricUnderTest m("embedding_stability");
  auto rows = m.metric->across_conditions(run.summaries, run.reader());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_NEAR(value_of(rows[0].values, "mean_divergence_radius"), 1, 1e-7);
  EXPECT_NEAR(value_of(rows[0].values, "mean_cosine"), 0, 1e-6);  // all orthogonal to e0
  EXPECT_NEAR(value_of(rows[0].values, "mean_distance"), std::sqrt(2.0), 1e-6);
}

TEST(EmbeddingStability, GroupsAreSeparateAndOnePerturbationGivesHalfItsDistance) {
  test::Run run = two_severities();
  run.add(perturbed("jpeg:quality=10", "jpeg"), {embedded("s1", {1, 0}), embedded("s2", {1, 0})});
  run.add(condition("cifar10", "pgd:eps=1/255", "attack"), {embedded("s1", {0, 1})});  // no group: ignored
  test::MetricUnderTest m("embedding_stability");
  auto rows = m.metric->across_conditions(run.summaries, run.reader());
  ASSERT_EQ(rows.size(), 2u);
  const auto& jpeg = test::row(rows, "cifar10", "group:jpeg");
  EXPECT_NEAR(value_of(jpeg.values, "mean_cosine"), 0.5, 1e-6);  // s1: 1, s2: 0
  // With the clean embedding in the ball, one perturbation is not radius 0 but half the distance:
  // s1 unmoved (0), s2 from (0, 1) to (1, 0) (sqrt2 / 2).
  EXPECT_NEAR(value_of(jpeg.values, "mean_divergence_radius"), std::sqrt(2.0) / 4, 1e-9);
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

// Brute force: every subset of at most dim + 1 points whose circumcentre (in the subset's affine hull)
// is equidistant from it is a candidate centre; the minimum enclosing ball is the best candidate.
double brute_force_radius(const std::vector<std::vector<float>>& points) {
  const std::size_t n = points.size(), dim = points.front().size();
  auto dist = [&](const std::vector<double>& c, const std::vector<float>& p) {
    double d = 0;
    for (std::size_t k = 0; k < dim; ++k) d += (c[k] - p[k]) * (c[k] - p[k]);
    return std::sqrt(d);
  };
  double best = std::numeric_limits<double>::infinity();
  for (std::uint32_t mask = 1; mask < (1u << n); ++mask) {
    std::vector<std::size_t> s;
    for (std::size_t i = 0; i < n; ++i)
      if (mask & (1u << i)) s.push_back(i);
    if (s.size() > dim + 1) continue;
    // c = p0 + sum_j y_j d_j with d_j = p_j - p0 and 2 (d_i . d_j) y = |d_i|^2: Gauss-Jordan, k <= 3.
    const std::size_t k = s.size() - 1;
    std::vector<std::vector<double>> d(k, std::vector<double>(dim));
    for (std::size_t r = 0; r < k; ++r)
      for (std::size_t c = 0; c < dim; ++c) d[r][c] = double(points[s[r + 1]][c]) - points[s[0]][c];
    std::vector<std::vector<double>> m(k, std::vector<double>(k + 1, 0.0));
    for (std::size_t r = 0; r < k; ++r)
      for (std::size_t c = 0; c < dim; ++c) {
        for (std::size_t q = 0; q < k; ++q) m[r][q] += 2 * d[r][c] * d[q][c];
        m[r][k] += d[r][c] * d[r][c];
      }
    bool solvable = true;
    for (std::size_t col = 0; col < k && solvable; ++col) {
      std::size_t pivot = col;
      for (std::size_t r = col; r < k; ++r)
        if (std::abs(m[r][col]) > std::abs(m[pivot][col])) pivot = r;
      std::swap(m[col], m[pivot]);
      if (std::abs(m[col][col]) < 1e-12) solvable = false;
      for (std::size_t r = 0; r < k && solvable; ++r)
        if (r != col)
          for (std::size_t q = k + 1; q-- > col;) m[r][q] -= m[r][col] / m[col][col] * m[col][q];
    }
    if (!solvable) continue;
    std::vector<double> centre(points[s[0]].begin(), points[s[0]].end());
    for (std::size_t r = 0; r < k; ++r)
      for (std::size_t c = 0; c < dim; ++c) centre[c] += m[r][k] / m[r][r] * d[r][c];
    double radius = 0;
    for (const auto& p : points) radius = std::max(radius, dist(centre, p));
    best = std::min(best, radius);  // any centre's farthest point bounds the optimum from above
  }
  return best;
}

std::vector<std::vector<float>> random_unit_points(std::size_t n, std::int64_t dim, std::uint64_t seed) {
  at::manual_seed(seed);
  at::Tensor x = at::randn({static_cast<std::int64_t>(n), dim});
  x = x / x.norm(2, 1, true);
  std::vector<std::vector<float>> out;
  for (std::size_t i = 0; i < n; ++i) {
    const at::Tensor row = x[static_cast<std::int64_t>(i)].contiguous();
    out.emplace_back(row.data_ptr<float>(), row.data_ptr<float>() + dim);
  }
  return out;
}

TEST(DivergenceRadius, EqualsTheBruteForceMinimumEnclosingBall) {
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    const auto points = random_unit_points(3 + seed % 5, 2 + static_cast<std::int64_t>(seed % 2), seed);
    const double want = brute_force_radius(points);
    EXPECT_NEAR(embedding_stability::min_enclosing_radius(points), want, 1e-6) << seed;
    EXPECT_NEAR(embedding_stability::welzl_min_enclosing_radius(points), want, 1e-6) << seed;
  }
}

// In high dimension every point is on the ball: the pivoting agrees with Welzl's exact recursion,
// with duplicates (unmoved embeddings) and with points inside too.
TEST(DivergenceRadius, PivotingAgreesWithWelzlInHighDimension) {
  for (std::uint64_t seed = 0; seed < 12; ++seed) {
    auto points = random_unit_points(4 + seed, 512, 100 + seed);
    if (seed % 3 == 1) points.push_back(points.front());
    if (seed % 3 == 2) {
      std::vector<float> inner(points.front().size(), 0.0f);  // the centroid: inside the ball
      for (const auto& p : points)
        for (std::size_t k = 0; k < p.size(); ++k) inner[k] += p[k] / static_cast<float>(points.size());
      points.push_back(inner);
    }
    EXPECT_NEAR(embedding_stability::min_enclosing_radius(points),
                embedding_stability::welzl_min_enclosing_radius(points), 1e-7)
        << seed;
  }
}

// The five properties of the embedding-robustness paper, on unit-norm embeddings of 64 dimensions.
TEST(DivergenceRadius, HasABoundedDomain) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const double r = embedding_stability::min_enclosing_radius(random_unit_points(2 + seed, 64, seed));
    EXPECT_GE(r, 0);
    EXPECT_LE(r, 1 + 1e-9);
  }
}

TEST(DivergenceRadius, IsMonotoneInThePerturbations) {
  auto points = random_unit_points(12, 64, 7);
  std::vector<std::vector<float>> some(points.begin(), points.begin() + 2);
  double previous = embedding_stability::min_enclosing_radius(some);
  for (std::size_t i = 2; i < points.size(); ++i) {
    some.push_back(points[i]);
    const double r = embedding_stability::min_enclosing_radius(some);
    EXPECT_GE(r, previous - 1e-12) << i;
    previous = r;
  }
}

TEST(DivergenceRadius, IsZeroExactlyWhenNoPerturbationMovesTheEmbedding) {
  const auto e0 = random_unit_points(1, 64, 3).front();
  EXPECT_EQ(embedding_stability::min_enclosing_radius({e0, e0, e0}), 0);
  auto moved = e0;
  moved[5] += 1e-3f;
  EXPECT_GT(embedding_stability::min_enclosing_radius({e0, e0, moved}), 0);
}

TEST(DivergenceRadius, ReachesItsMaximumAtTheAntipode) {
  const auto e0 = random_unit_points(1, 64, 4).front();
  std::vector<float> opposite(e0.size());
  for (std::size_t k = 0; k < e0.size(); ++k) opposite[k] = -e0[k];
  EXPECT_NEAR(embedding_stability::min_enclosing_radius({e0, opposite}), 1, 1e-7);
  auto others = random_unit_points(6, 64, 5);
  others.push_back(e0);
  others.push_back(opposite);
  EXPECT_NEAR(embedding_stability::min_enclosing_radius(others), 1, 1e-6);  // nothing exceeds it
}

TEST(DivergenceRadius, IsInvariantUnderRotations) {
  const auto points = random_unit_points(9, 64, 6);
  at::manual_seed(11);
  const at::Tensor q = std::get<0>(at::linalg_qr(at::randn({64, 64}, at::kDouble)));
  std::vector<std::vector<float>> rotated;
  for (const auto& p : points) {
    const at::Tensor r = at::mv(q, at::tensor(std::vector<double>(p.begin(), p.end()), at::kDouble)).to(at::kFloat);
    rotated.emplace_back(r.data_ptr<float>(), r.data_ptr<float>() + 64);
  }
  EXPECT_NEAR(embedding_stability::min_enclosing_radius(rotated), embedding_stability::min_enclosing_radius(points),
              1e-6);
}

}  // namespace
}  // namespace roz

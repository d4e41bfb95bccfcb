// attack_success on min_eps conditions: the median minimal budget over all points, as the RoZ
// paper's code computes it (0 for a point already misclassified, infinity for one never fooled),
// beside the median over the fooled points only, against values worked out by hand.
#include <gtest/gtest.h>

#include <limits>

#include "metric_fixtures.hpp"
#include "roz/protocol.hpp"

namespace roz {
namespace {

using test::record;
using test::value_of;

// An attacked point of label 0 (2 classes): right or wrong before and after, at this L-inf / L2 size.
SampleRecord attacked(const std::string& id, bool clean_right, bool robust_right, float linf) {
  SampleRecord r = record(id, 0, robust_right ? std::vector<float>{1, 0} : std::vector<float>{0, 1});
  r.metadata["clean_prediction"] = clean_right ? "0" : "1";
  r.perturbation_linf = linf;
  r.perturbation_l2 = 10 * linf;
  return r;
}

std::vector<MetricValue> success_values(const std::string& attack, const std::vector<SampleRecord>& records) {
  test::MetricUnderTest m("attack_success");
  auto acc = m.metric->accumulate(
      test::condition("d", attack, protocol::kind::attack, {{protocol::attribute::attack, attack}}));
  for (const auto& r : records) acc->add(r);
  return acc->finish();
}

TEST(AttackSuccess, MedianMinEpsTakesEveryPointWithZeroAndInfinity) {
  // Budgets: wrong already -> 0, 0; fooled -> 0.01, 0.03; never fooled -> inf. Sorted: 0 0 .01 .03 inf.
  const std::vector<SampleRecord> rs = {attacked("a", false, false, 0), attacked("b", false, false, 0),
                                        attacked("c", true, false, 0.01f), attacked("d", true, false, 0.03f),
                                        attacked("e", true, true, 0)};
  const auto values = success_values("min_eps", rs);
  EXPECT_FLOAT_EQ(value_of(values, "median_min_eps"), 0.01f);
  EXPECT_FLOAT_EQ(value_of(values, "median_min_eps_l2"), 0.1f);
  EXPECT_FLOAT_EQ(value_of(values, "median_linf_success"), 0.02f);  // the fooled points only: (0.01 + 0.03) / 2
  // Most points never fooled: the median is infinite, not the fooled points' 0.01.
  const auto robust = success_values(
      "min_eps", {attacked("c", true, false, 0.01f), attacked("e", true, true, 0), attacked("f", true, true, 0)});
  EXPECT_EQ(value_of(robust, "median_min_eps"), std::numeric_limits<double>::infinity());
  EXPECT_FLOAT_EQ(value_of(robust, "median_linf_success"), 0.01f);
  // A fixed-budget attack has no minimal budgets to report.
  EXPECT_FALSE(test::find_value(success_values("pgd", rs), "median_min_eps"));
}

}  // namespace
}  // namespace roz

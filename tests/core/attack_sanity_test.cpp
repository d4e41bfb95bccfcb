// The attack sanity checks flag what they should and nothing else.
#include <gtest/gtest.h>

#include "roz/core/attack_sanity.hpp"
#include "roz/core/results.hpp"
#include "test_env.hpp"

namespace roz::core {
namespace {

// A result model holding these attack conditions of one model on one dataset, each with its top1.
Results attacks(const std::vector<std::pair<std::string, double>>& conditions, std::int64_t n = 1000) {
  Results r;
  for (const auto& [spec, top1] : conditions) {
    StoredCondition c;
    c.id = static_cast<std::int64_t>(r.conditions.size()) + 1;
    c.info.model = "mini_clip";
    c.info.dataset = "fashion-mnist";
    c.info.condition = spec;
    c.info.kind = "attack";
    c.samples = n;
    r.conditions.push_back(c);
    r.rows.push_back(
        {"condition", "accuracy", c.info, c.id, {"top1", top1, Unit::fraction, std::nullopt, std::nullopt}, {}, {}});
  }
  return r;
}

TEST(AttackSanity, FlagsRobustAccuracyRisingWithEps) {
  Results report = attacks({{"pgd:eps=0.01,steps=10", 0.40}, {"pgd:eps=0.02,steps=10", 0.55},
                            {"pgd:eps=0.03,steps=10", 0.20}});
  std::vector<std::string> w = attack_sanity_warnings(report, test::builtin_registry());
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("rises with eps"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("pgd:eps=0.02,steps=10"), std::string::npos) << w[0];
  // Within noise (two standard errors at 1,000 points) and across different step counts: no warning.
  report = attacks({{"pgd:eps=0.01,steps=10", 0.40}, {"pgd:eps=0.02,steps=10", 0.42},
                    {"pgd:eps=0.03,steps=100", 0.60}});
  EXPECT_TRUE(attack_sanity_warnings(report, test::builtin_registry()).empty());
}

TEST(AttackSanity, FlagsABlackBoxAttackBeatingTheWhiteBoxOnes) {
  Results report = attacks({{"pgd:eps=0.03", 0.50}, {"apgd_ce:eps=0.03", 0.45}, {"square:eps=0.03", 0.30},
                            {"square:eps=0.05", 0.10}, {"nes:eps=0.03", 0.44}});
  std::vector<std::string> w = attack_sanity_warnings(report, test::builtin_registry());
  ASSERT_EQ(w.size(), 1u);  // square at 0.03 beats apgd_ce clearly; nes is within noise; 0.05 has no white-box peer
  EXPECT_NE(w[0].find("square:eps=0.03"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("apgd_ce:eps=0.03"), std::string::npos) << w[0];
}

TEST(AttackSanity, NeverComparesConditionsOfDifferentModels) {
  Results report = attacks({{"pgd:eps=0.01,steps=10", 0.40}, {"pgd:eps=0.02,steps=10", 0.55}});
  ASSERT_EQ(attack_sanity_warnings(report, test::builtin_registry()).size(), 1u);  // one model: flagged
  report.conditions[1].info.model = "another_model";
  EXPECT_TRUE(attack_sanity_warnings(report, test::builtin_registry()).empty());
}

}  // namespace
}  // namespace roz::core

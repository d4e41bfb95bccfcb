// The attack sanity checks flag what they should and nothing else.
#include <gtest/gtest.h>

#include "roz/core/attack_sanity.hpp"
#include "test_env.hpp"

namespace roz::core {
namespace {

ConditionReport attack(const std::string& spec, double top1, std::int64_t n = 1000) {
  ConditionReport c;
  c.info.condition = spec;
  c.info.kind = "attack";
  c.samples = n;
  c.values.push_back({"top1", top1, std::nullopt, std::nullopt});
  return c;
}

TEST(AttackSanity, FlagsRobustAccuracyRisingWithEps) {
  EvalReport report;
  report.conditions = {attack("pgd:eps=0.01,steps=10", 0.40), attack("pgd:eps=0.02,steps=10", 0.55),
                       attack("pgd:eps=0.03,steps=10", 0.20)};
  std::vector<std::string> w = attack_sanity_warnings(report, test::builtin_registry());
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("rises with eps"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("pgd:eps=0.02,steps=10"), std::string::npos) << w[0];
  // Within noise (two standard errors at 1,000 points) and across different step counts: no warning.
  report.conditions = {attack("pgd:eps=0.01,steps=10", 0.40), attack("pgd:eps=0.02,steps=10", 0.42),
                       attack("pgd:eps=0.03,steps=100", 0.60)};
  EXPECT_TRUE(attack_sanity_warnings(report, test::builtin_registry()).empty());
}

TEST(AttackSanity, FlagsABlackBoxAttackBeatingTheWhiteBoxOnes) {
  EvalReport report;
  report.conditions = {attack("pgd:eps=0.03", 0.50), attack("apgd_ce:eps=0.03", 0.45), attack("square:eps=0.03", 0.30),
                       attack("square:eps=0.05", 0.10), attack("nes:eps=0.03", 0.44)};
  std::vector<std::string> w = attack_sanity_warnings(report, test::builtin_registry());
  ASSERT_EQ(w.size(), 1u);  // square at 0.03 beats apgd_ce clearly; nes is within noise; 0.05 has no white-box peer
  EXPECT_NE(w[0].find("square:eps=0.03"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("apgd_ce:eps=0.03"), std::string::npos) << w[0];
}

}  // namespace
}  // namespace roz::core

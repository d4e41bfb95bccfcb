// anchor_accuracy: pm-0 and pm-k over anchor-frame sets, against counts done by hand.
#include <gtest/gtest.h>

#include "metric_fixtures.hpp"

namespace roz {
namespace {

using test::record;
using test::value_of;

// A frame of the set anchored at `anchor`, predicted right or wrong (3 classes, label 0).
SampleRecord frame(const std::string& id, const std::string& anchor, bool right) {
  SampleRecord r = record(id, 0, right ? std::vector<float>{2, 1, 0} : std::vector<float>{1, 2, 0});
  r.metadata["pm_anchor"] = anchor;
  return r;
}

std::vector<MetricValue> anchor_values(const std::vector<SampleRecord>& records) {
  test::MetricUnderTest m("anchor_accuracy");
  auto acc = m.metric->accumulate(ConditionInfo{});
  for (const auto& r : records) acc->add(r);
  return acc->finish();
}

TEST(AnchorAccuracy, PmZeroCountsAnchorsAndPmKWholeSets) {
  // Sets: A (anchor right, a1 right, a2 wrong), B (anchor right, b1 right), C (anchor wrong, c1 right).
  // pm0 = A, B of 3; pmk = B of 3. A record without pm_anchor and d1, whose anchor D is absent, count nowhere.
  std::vector<SampleRecord> rs = {frame("a1", "A", true), frame("A", "A", true),   frame("a2", "A", false),
                                  frame("B", "B", true),  frame("b1", "B", true),  frame("C", "C", false),
                                  frame("c1", "C", true), frame("d1", "D", false), record("plain", 0, {0, 1, 0})};
  auto values = anchor_values(rs);
  ASSERT_EQ(values.size(), 3u);
  EXPECT_DOUBLE_EQ(value_of(values, "pm0"), 2.0 / 3);
  EXPECT_DOUBLE_EQ(value_of(values, "pmk"), 1.0 / 3);
  EXPECT_DOUBLE_EQ(value_of(values, "anchors"), 3);
}

TEST(AnchorAccuracy, TiesWithTheTruthAndAcceptedLabelsAreCorrect) {
  SampleRecord tie = record("A", 1, {3, 3, 0});  // tied with class 0
  tie.metadata["pm_anchor"] = "A";
  SampleRecord accepted = record("a1", 0, {0, 1, 5});  // class 2 is among the accepted labels
  accepted.accepted_labels = {1, 2};
  accepted.metadata["pm_anchor"] = "A";
  auto values = anchor_values({tie, accepted});
  EXPECT_DOUBLE_EQ(value_of(values, "pm0"), 1);
  EXPECT_DOUBLE_EQ(value_of(values, "pmk"), 1);
}

TEST(AnchorAccuracy, NothingWithoutPmAnchorAndZeroAnchorsWithoutAnchorFrames) {
  EXPECT_TRUE(anchor_values({}).empty());
  EXPECT_TRUE(anchor_values({record("a", 0, {1, 0})}).empty());
  auto values = anchor_values({frame("a1", "A", true)});  // a subset that kept a neighbour but not its anchor
  ASSERT_EQ(values.size(), 1u);
  EXPECT_DOUBLE_EQ(value_of(values, "anchors"), 0);
}

TEST(AnchorAccuracy, LabelOutsideTheClassesNamesThePluginAndTheSample) {
  SampleRecord bad = record("A", 4, {1, 0});
  bad.metadata["pm_anchor"] = "A";
  std::string message = test::error_of([&] { anchor_values({bad}); });
  EXPECT_NE(message.find("anchor_accuracy: sample 'A': label 4 outside the 2 classes"), std::string::npos) << message;
}

}  // namespace
}  // namespace roz

#include <gtest/gtest.h>

#include "roz/error.hpp"
#include "roz/metric.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

SampleRecord record(std::int64_t label, std::vector<float> logits) {
  SampleRecord r;
  r.sample_id = "s" + std::to_string(label);
  r.label = label;
  r.logits = std::move(logits);
  return r;
}

std::vector<MetricValue> accuracy_values(const std::string& spec, const std::vector<SampleRecord>& records) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  auto metric = host.create_metric(host.resolve(PluginKind::metric, parse_spec(spec)));
  auto acc = metric->accumulate(ConditionInfo{});
  for (const auto& r : records) acc->add(r);
  return acc->finish();
}

TEST(Accuracy, TopOneAndTopKFromLogits) {
  // 6 classes. Sample 0: truth ranked 1st; 1: 2nd; 2: 3rd; 3: last.
  std::vector<SampleRecord> records = {
      record(0, {9, 1, 2, 3, 4, 5}), record(1, {9, 8, 2, 3, 4, 5}), record(2, {9, 8, 7, 3, 4, 5}),
      record(3, {9, 8, 7, 0, 6, 5})};
  auto values = accuracy_values("accuracy:top_k=[1,2,3]", records);
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0].name, "top1");
  EXPECT_DOUBLE_EQ(values[0].value, 0.25);
  EXPECT_DOUBLE_EQ(values[1].value, 0.5);
  EXPECT_DOUBLE_EQ(values[2].value, 0.75);
  // Wilson 95% interval for 1/4: [0.0456, 0.6994].
  EXPECT_NEAR(*values[0].ci_low, 0.04559, 1e-4);
  EXPECT_NEAR(*values[0].ci_high, 0.69936, 1e-4);
}

TEST(Accuracy, AnyAcceptedLabelCounts) {
  // ObjectNet-style: the image's class maps to classes 2 and 4; the model prefers 4.
  SampleRecord r = record(2, {0, 1, 3, 2, 9, 5});
  r.accepted_labels = {2, 4};
  SampleRecord miss = record(2, {0, 1, 3, 2, 4, 9});
  miss.accepted_labels = {2, 4};
  auto values = accuracy_values("accuracy:top_k=[1,2]", {r, miss});
  EXPECT_DOUBLE_EQ(values[0].value, 0.5);  // r correct, miss ranks 4 second
  EXPECT_DOUBLE_EQ(values[1].value, 1.0);
}

TEST(Accuracy, TopKAtOrAboveTheClassCountIsSkipped) {
  auto values = accuracy_values("accuracy", {record(0, {1, 0, 0}), record(1, {1, 0, 0})});
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0].name, "top1");
  EXPECT_DOUBLE_EQ(values[0].value, 0.5);
}

TEST(Accuracy, UnlabelledRecordsCountForNothing) {
  // An OOD image scored with the in-distribution head (label -1, no accepted labels) is neither right
  // nor wrong; a condition of only such records has no accuracy.
  auto values = accuracy_values("accuracy", {record(0, {1, 0}), record(-1, {1, 0}), record(1, {1, 0})});
  ASSERT_EQ(values.size(), 1u);
  EXPECT_DOUBLE_EQ(values[0].value, 0.5);
  EXPECT_TRUE(accuracy_values("accuracy", {record(-1, {1, 0})}).empty());
}

TEST(Accuracy, LabelOutsideTheClassesIsAnErrorNamingTheSample) {
  try {
    accuracy_values("accuracy", {record(7, {1, 0})});
    FAIL();
  } catch (const PluginCallError& e) {
    EXPECT_NE(std::string(e.what()).find("sample 's7': label 7 outside the 2 classes"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace roz

// What the metric tests share: a metric plugin created through the host, conditions and records built
// in a line, a RecordReader over records held in memory, and value lookup by name.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "roz/core/plugin_host.hpp"
#include "roz/error.hpp"
#include "roz/metric.hpp"
#include "roz/spec.hpp"
#include "test_env.hpp"

namespace roz::test {

// The host outlives the metric, as the host requires.
struct MetricUnderTest {
  explicit MetricUnderTest(const std::string& spec)
      : host(builtin_registry(), 0, 1),
        metric(host.create_metric(host.resolve(PluginKind::metric, parse_spec(spec)))) {}
  core::PluginHost host;
  std::shared_ptr<Metric> metric;
};

inline ConditionInfo condition(std::string dataset, std::string name, std::string kind,
                               std::map<std::string, std::string> attributes = {}, std::string model = "m") {
  ConditionInfo c;
  c.model = std::move(model);
  c.dataset = std::move(dataset);
  c.condition = std::move(name);
  c.kind = std::move(kind);
  c.attributes = std::move(attributes);
  return c;
}

// The summary values of a condition with this top-1 accuracy (what the accuracy plugin gives).
inline std::vector<MetricValue> top1(double accuracy) {
  return {{"top1", accuracy, Unit::fraction, std::nullopt, std::nullopt}};
}

inline SampleRecord record(std::string id, std::int64_t label, std::vector<float> logits) {
  SampleRecord r;
  r.sample_id = std::move(id);
  r.label = label;
  r.logits = std::move(logits);
  return r;
}

// Conditions and their records; reader() streams them back by (dataset, condition).
struct Run {
  std::vector<ConditionSummary> summaries;
  std::map<std::pair<std::string, std::string>, std::vector<SampleRecord>> records;

  void add(const ConditionInfo& info, std::vector<SampleRecord> rs = {}, std::vector<MetricValue> values = {}) {
    summaries.push_back({info, std::move(values)});
    records[{info.dataset, info.condition}] = std::move(rs);
  }
  RecordReader reader() const {
    return [this](const ConditionInfo& info, const std::function<void(const SampleRecord&)>& visit) {
      auto it = records.find({info.dataset, info.condition});
      if (it == records.end()) return;
      for (const auto& r : it->second) visit(r);
    };
  }
};

inline std::optional<double> find_value(const std::vector<MetricValue>& values, const std::string& name) {
  for (const auto& v : values)
    if (v.name == name) return v.value;
  return std::nullopt;
}

// The value, or a test failure naming the missing metric.
inline double value_of(const std::vector<MetricValue>& values, const std::string& name) {
  auto v = find_value(values, name);
  EXPECT_TRUE(v.has_value()) << "no value '" << name << "'";
  return v.value_or(-1e300);
}

inline const ConditionSummary& row(const std::vector<ConditionSummary>& rows, const std::string& dataset,
                                   const std::string& condition) {
  for (const auto& r : rows)
    if (r.info.dataset == dataset && r.info.condition == condition) return r;
  throw std::runtime_error("no row for condition '" + condition + "' of '" + dataset + "'");
}

// The message of the error `f` throws through the host (a PluginCallError), or "" if it throws none.
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const PluginCallError& e) {
    return e.what();
  }
  return "";
}

}  // namespace roz::test

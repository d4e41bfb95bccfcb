// The metric interface, in three scopes: per condition, across the conditions of one model, and
// across models. The host computes every number it reports through metric plugins.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "roz/descriptor.hpp"
#include "roz/protocol.hpp"

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

// One evaluated sample.
struct SampleRecord {
  std::string sample_id;
  std::int64_t label = -1;
  std::vector<std::int64_t> accepted_labels;  // when several labels count as correct (ObjectNet); empty: {label}
  std::vector<float> logits;                  // [C]
  std::optional<float> perturbation_linf;
  std::optional<float> perturbation_l2;
  std::map<std::string, std::string> metadata;  // corruption output metadata, etc.
  std::vector<float> embedding;                 // L2-normalised image embedding, when the host keeps them
};

struct ConditionInfo {
  std::string model;      // resolved model spec
  std::string dataset;    // dataset name or path
  std::string condition;  // e.g. "clean", "jpeg_compression:severity=3"
  std::string kind;       // a protocol::kind (roz/protocol.hpp)
  std::int64_t num_classes = 0;
  // What metrics across conditions group by: the protocol::attribute keys that apply.
  std::map<std::string, std::string> attributes;
};

// What a metric value measures. Every table RoZ prints writes a value by its unit, never by its
// name: fractions as percentages, everything else as the number it is.
enum class Unit {
  number,    // a plain number: norms, cosines, distances, temperatures, slopes
  fraction,  // a share or probability in [0,1], or a difference of two (accuracy, rates, AUROC, ECE)
  percent,   // already multiplied by 100
  ratio,     // to a baseline (corruption error CE, mCE)
  nats,      // log-likelihoods (NLL)
  count,     // samples, anchors, severities
  seconds,
};

std::string_view to_string(Unit unit);
std::optional<Unit> parse_unit(std::string_view text);

struct MetricValue {
  std::string name;  // e.g. "top1"
  double value = 0;
  Unit unit = Unit::number;
  std::optional<double> ci_low;  // 95% interval where the metric gives one
  std::optional<double> ci_high;
};

struct ConditionSummary {
  ConditionInfo info;
  std::vector<MetricValue> values;
};

class MetricAccumulator {
 public:
  virtual ~MetricAccumulator();
  virtual void add(const SampleRecord& record) = 0;
  virtual std::vector<MetricValue> finish() = 0;
};

// Streams a condition's records back to metrics that need them across conditions.
using RecordReader = std::function<void(const ConditionInfo&, const std::function<void(const SampleRecord&)>&)>;

class Metric : public Plugin {
 public:
  ~Metric() override;
  // kPerCondition
  virtual std::unique_ptr<MetricAccumulator> accumulate(const ConditionInfo& condition);
  // kAcrossConditions: the conditions of one model on one dataset family.
  virtual std::vector<ConditionSummary> across_conditions(const std::vector<ConditionSummary>& conditions,
                                                          const RecordReader& records);
  // kAcrossModels: one entry per model, each the summaries of its conditions. A metric with both
  // scopes has its across_conditions called for every model before its across_models.
  virtual std::vector<ConditionSummary> across_models(const std::vector<std::vector<ConditionSummary>>& models);
};

}  // namespace roz

#pragma GCC visibility pop

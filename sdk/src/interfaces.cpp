// Out-of-line destructors (so each interface's type information lives once, in the SDK library)
// and the default behaviour of optional interface methods.
#include "roz/attack.hpp"
#include "roz/classifier.hpp"
#include "roz/context.hpp"
#include "roz/corruption.hpp"
#include "roz/error.hpp"
#include "roz/metric.hpp"
#include "roz/model.hpp"

namespace roz {

Logger::~Logger() = default;
ProgressSink::~ProgressSink() = default;
Host::~Host() = default;
Model::~Model() = default;
Classifier::~Classifier() = default;
Attack::~Attack() = default;
Corruption::~Corruption() = default;
MetricAccumulator::~MetricAccumulator() = default;
Metric::~Metric() = default;

std::vector<std::vector<std::string>> class_prompts(const PromptSet& prompts) {
  std::vector<std::vector<std::string>> out;
  for (const std::string& name : prompts.class_names) {
    std::vector<std::string>& texts = out.emplace_back();
    for (const std::string& tmpl : prompts.templates) {
      const auto pos = tmpl.find("{}");
      if (pos == std::string::npos) throw Error("prompt template '" + tmpl + "' has no '{}'");
      texts.push_back(tmpl.substr(0, pos) + name + tmpl.substr(pos + 2));
    }
  }
  return out;
}

PromptAttackResult Attack::perturb_prompts(Classifier&, const PromptSet&, const AttackBatch&) {
  throw Error("this attack does not attack text prompts (it does not declare the 'text' capability)");
}

std::unique_ptr<MetricAccumulator> Metric::accumulate(const ConditionInfo&) {
  throw Error("this metric has no per-condition scope");
}

std::vector<ConditionSummary> Metric::across_conditions(const std::vector<ConditionSummary>&, const RecordReader&) {
  throw Error("this metric has no across-conditions scope");
}

std::vector<ConditionSummary> Metric::across_models(const std::vector<std::vector<ConditionSummary>>&) {
  throw Error("this metric has no across-models scope");
}

}  // namespace roz

// Out-of-line destructors (so each interface's type information lives once, in the SDK library)
// and the default behaviour of optional interface methods.
#include "roz/classifier.hpp"
#include "roz/context.hpp"
#include "roz/error.hpp"
#include "roz/metric.hpp"
#include "roz/model.hpp"

namespace roz {

Logger::~Logger() = default;
ProgressSink::~ProgressSink() = default;
Host::~Host() = default;
Model::~Model() = default;
Classifier::~Classifier() = default;
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

at::Tensor Model::tokenize(const std::vector<std::string>&) {
  throw Error("this model has no text tower (an image classifier or an image embedding)");
}

at::Tensor Model::encode_text(const at::Tensor&) {
  throw Error("this model has no text tower (an image classifier or an image embedding)");
}

double Model::logit_scale() const {
  throw Error("this model has no text tower, so no zero-shot logit scale");
}

at::Tensor Model::classify(const at::Tensor&) {
  throw Error("this model has no fixed label set (it classifies zero-shot, through its text tower)");
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

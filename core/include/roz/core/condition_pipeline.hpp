// One evaluation condition run through the image pipeline, batch by batch: decode -> corruption ->
// [0,1] tensor -> attack -> model -> head (zero-shot, or an image classifier's label set) -> per-sample
// records. `roz eval` feeds the
// records to metric accumulators; `roz run` stores them (and resumes from what is stored).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "roz/classifier.hpp"
#include "roz/core/prompt_attack_summary.hpp"
#include "roz/datasets/dataset.hpp"
#include "roz/metric.hpp"
#include "roz/preprocessing.hpp"
#include "roz/spec.hpp"

namespace roz {
class Attack;
class Corruption;
class Model;
}  // namespace roz

namespace roz::core {

class PluginHost;
class ZeroShotClassifier;
struct LoadedBatch;

struct Condition {
  ConditionInfo info;
  std::string plugin_version;  // of the corruption or attack; empty for clean
  std::shared_ptr<Corruption> corruption;
  std::shared_ptr<Attack> attack;
  bool attacks_prompts = false;               // declares kAttacksText: the head is rebuilt from attacked prompts
  bool attacks_images = false;                // perturbs images (white-box, score-based or transfer)
  bool images_against_clean_prompts = false;  // declares kImagesAgainstCleanPrompts (MMCoA)
};

// The clean condition, and conditions from corruption and attack specs (resolved, created, with
// their attributes set: corruption / severity, attack / eps). Text attacks need a prompt head.
Condition clean_condition(ConditionInfo base);
Condition corruption_condition(PluginHost& host, const Spec& spec, ConditionInfo base);
Condition attack_condition(PluginHost& host, const Spec& spec, ConditionInfo base, bool prompt_head);

struct PipelineSettings {
  std::uint64_t seed = 0;
  std::int64_t batch_size = 64;
  int decode_threads = 1;
  std::size_t prompt_attack_points = 256;
  bool keep_embeddings = false;  // fill SampleRecord::embedding (normalised)
  // When set, a corruption is applied to the image made with this preprocessing (ImageNet-C's), and
  // the model's preprocessing then resizes the corrupted image; clean and attack conditions keep the
  // model's own input.
  std::optional<Preprocessing> corruption_input;
};

// What one batch produced.
struct BatchOutcome {
  std::vector<SampleRecord> records;
  std::vector<std::string> skipped;     // sample ids the corruption declared not applicable
  std::vector<std::string> unreadable;  // sample ids that could not be decoded
  std::int64_t gradient_evaluations = 0;
  std::int64_t queries = 0;
};

class ConditionPipeline {
 public:
  // `on_unreadable` gets a message naming each undecodable file once.
  // `classifier` is a ZeroShotClassifier over the model or, for an image classifier, a
  // LabelSetClassifier (no prompt attacks then).
  ConditionPipeline(PluginHost& host, const datasets::Dataset& dataset, std::shared_ptr<Model> model,
                    std::shared_ptr<Classifier> classifier, PromptSet prompts, PipelineSettings settings,
                    std::function<void(const std::string&)> on_unreadable);

  // Runs the condition on `samples` in batches of settings.batch_size, in order, calling `on_batch`
  // after each. A text-prompt attack first attacks the prompts on a class-balanced subset of
  // `attack_set` (the condition's whole sample list, so resuming sees the same subset) and reports
  // what it did. Throws if cancelled between batches.
  void run(Condition& condition, const std::vector<datasets::SampleInfo>& samples,
           const std::vector<datasets::SampleInfo>& attack_set, const std::function<void(BatchOutcome&)>& on_batch,
           std::optional<PromptAttackSummary>* prompt_attack = nullptr);

  const PromptSet& prompts() const { return prompts_; }
  int resolution() const { return static_cast<int>(preprocessing_.resolution); }

 private:
  std::shared_ptr<ZeroShotClassifier> attack_prompts(Condition& condition,
                                                     const std::vector<datasets::SampleInfo>& attack_set,
                                                     std::int64_t& queries, PromptAttackSummary& summary);
  void corrupt(const Condition& condition, LoadedBatch& batch) const;

  PluginHost& host_;
  const datasets::Dataset& dataset_;
  std::shared_ptr<Model> model_;
  std::shared_ptr<Classifier> classifier_;
  PromptSet prompts_;
  PipelineSettings settings_;
  std::function<void(const std::string&)> on_unreadable_;
  Preprocessing preprocessing_;
};

}  // namespace roz::core

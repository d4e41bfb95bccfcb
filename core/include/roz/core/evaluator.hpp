// `roz eval`: one model on one dataset under a list of conditions (clean, each corruption, each
// attack), every number computed by metric plugins.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "roz/metric.hpp"
#include "roz/spec.hpp"

namespace roz {
struct PromptSet;
}
namespace roz::datasets {
class Dataset;
}

namespace roz::core {

class PluginHost;

struct EvalOptions {
  Spec model;
  std::string dataset;  // ImageFolder root, manifest file or manifest name (e.g. fashion-mnist)
  std::vector<Spec> corruptions;
  std::vector<Spec> attacks;
  std::vector<Spec> metrics;  // empty: accuracy and attack_success
  // Head: class prototypes from the first `support_per_class` images of each class (those are then
  // not evaluated) when > 0, else the prompt ensemble over `templates` (empty: the dataset's own,
  // else "a photo of a {}.").
  std::size_t support_per_class = 0;
  std::vector<std::string> templates;
  std::size_t per_class = 0;  // evaluated images per class; 0 = all
  std::size_t limit = 0;      // evaluated images in all (the first, after per_class); 0 = all
  // Text-prompt attacks edit the prompts once per condition, on the first points / classes (rounded
  // up) evaluation images of each class; the attacked head then classifies every evaluated image.
  std::size_t prompt_attack_points = 256;
  std::uint64_t seed = 0;
  std::int64_t batch_size = 64;
  std::filesystem::path cache_dir;  // prompt-head cache; empty: no caching
  // Decoding overlaps the model, which already keeps the compute threads busy: one low-priority
  // decode worker keeps up with real models without stalling their OpenMP barriers (measured with
  // roz bench throughput; raise it for cheap models on many cores).
  int decode_threads = 1;
};

// What a text-prompt attack did to the class prompts (words changed: word-level edit distance to
// the original prompt, counted by the host).
struct PromptAttackSummary {
  std::int64_t points = 0;   // images the prompts were attacked on
  std::int64_t prompts = 0;  // class x template prompts
  std::int64_t prompts_changed = 0;
  std::int64_t max_words_changed = 0;
  double mean_words_changed = 0;
  std::vector<std::pair<std::string, std::string>> examples;  // (original, attacked), the first changed ones
};

struct ConditionReport {
  ConditionInfo info;
  std::string plugin_version;  // of the corruption or attack; empty for clean
  std::vector<MetricValue> values;
  std::int64_t samples = 0;
  std::int64_t skipped = 0;  // samples a corruption declared not applicable
  std::int64_t gradient_evaluations = 0;
  std::int64_t queries = 0;
  double seconds = 0;
  std::optional<PromptAttackSummary> prompt_attack;  // text-prompt attack conditions
  // Why the condition did not finish (a plugin that threw, an interruption); its values are then
  // empty. A failed condition does not stop the others: evaluate() still returns them.
  std::string error;
};

struct EvalReport {
  std::string model_spec;
  std::string model_version;
  std::string model_hash;
  std::string dataset;
  std::string head;  // "prompts:templates=N" or "prototypes:support_per_class=K"
  std::uint64_t seed = 0;
  int threads = 1;
  std::string device;     // where the model ran
  std::string precision;  // of its forward passes (fp32, bf16, fp16)
  std::vector<std::string> metric_specs;
  std::vector<std::string> unreadable;  // image files that could not be decoded, with the reason
  std::vector<std::string> warnings;    // attack sanity checks (attack_sanity.hpp)
  std::vector<ConditionReport> conditions;
};

// Throws when nothing can be evaluated (unknown plugin, unreadable dataset, a head that cannot be
// built); a condition that fails is reported as failed (ConditionReport::error) and the others run.
// Once the host is cancelled the remaining conditions are reported as not run.
EvalReport evaluate(PluginHost& host, const EvalOptions& options);

// The class prompts of a dataset: its class names with `templates`, else its own templates, else
// "a photo of a {}.".
PromptSet dataset_prompts(const datasets::Dataset& dataset, const std::vector<std::string>& templates);

// Where `--dataset NAME` looks for NAME.yaml: ROZ_DATASET_PATH, the install's manifests, the source tree's.
std::vector<std::filesystem::path> dataset_manifest_dirs();

}  // namespace roz::core

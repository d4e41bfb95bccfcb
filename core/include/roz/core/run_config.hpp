// The config of `roz run`: a grid of models x datasets x conditions.
//
//   seed: 0
//   batch_size: 256
//   models: [mini_clip]                      # spec strings or maps with `name`
//   datasets:
//     - {name: fashion-mnist, role: in_distribution, per_class: 100}
//     - {name: mnist, role: ood, limit: 1000}          # in_distribution | shift | ood
//       # an ood set is scored with an in_distribution set's head: `in_distribution: fashion-mnist`
//       # says whose when the run has several
//     - {name: cifar10, support_per_class: 5}          # a prototype head from 5 images per class
//   corruptions:                                       # on in-distribution datasets
//     - {name: all, severities: [1, 3, 5]}             # every installed ImageNet-C-style plugin
//     - {name: jpeg_compression, severities: [1, 5], limit: 500}
//   attacks:                                           # image, text-prompt and multimodal attacks
//     - fgsm:eps=1/255
//     - {name: pgd, eps: 1/255, steps: 10, limit: 200}
//   metrics: [accuracy, attack_success]                # default: every built-in metric
//   templates: ["a photo of a {}."]                    # default: each dataset's own
//   prompt_attack_points: 256
//   embeddings: true                                   # keep image embeddings (embedding stability)
//   bootstrap: 200                                     # resamples for per-condition 95% intervals
//   overlap:                                           # contamination audit (docs/overlap.md)
//     index: runs/train-index                          # a roz overlap build directory
//     model: pixels                                    # the model its embeddings came from
//     k: 5
//     near: 0.95                                       # also exact, nprobe, ef_search, k_factor, pairs
//
// In a corruption or attack map, `severities` expands one entry per level and `limit` caps the
// images of that condition (the first of each dataset's evaluation order); they are not plugin keys.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "roz/core/precision.hpp"
#include "roz/overlap/duplicates.hpp"
#include "roz/protocol.hpp"
#include "roz/spec.hpp"

namespace roz::core {

struct RunDataset {
  std::string name;  // manifest name, manifest file or ImageFolder root
  std::string role = protocol::role::in_distribution;
  std::size_t per_class = 0;
  std::size_t limit = 0;
  // > 0: the head is the class prototypes of the first K images of each class (those are then not
  // evaluated) instead of the prompt ensemble; text-prompt attacks then have no prompts to attack.
  std::size_t support_per_class = 0;
  // "imagenet_c": corruptions are applied as ImageNet-C was made (Resize 256 + CenterCrop 224, then
  // corrupted, then the model's resize), the input AlexNet's published CE was measured on; empty: to
  // the model's own input.
  std::string corruption_input;
  // role ood: the in_distribution dataset (its `name`) whose head scores these images, so that MSP
  // and the other OOD scores compare confidences over the same classes (its labels are unused).
  // role shift: the in_distribution dataset it is a shift of (effective robustness's x axis).
  // Filled by parse_run_config: the run's one in_distribution dataset unless the config names one
  // (a shift in a run of several that names none has none).
  std::string in_distribution;
};

struct RunCondition {
  Spec spec;              // `all` (corruptions): every installed plugin with a severity parameter
  std::size_t limit = 0;  // 0: all of the dataset's evaluated images
};

// The contamination audit of every in-distribution and shift dataset of the run, after its cells.
struct RunOverlap {
  std::string index;  // empty: no audit
  Spec model = parse_spec("pixels");
  std::int64_t k = 5;
  // Override the index's calibration (roz overlap calibrate); `threshold` is required without one.
  std::optional<double> threshold, verify_threshold;
  overlap::SearchParams search;
  std::size_t pairs = 16;
};

struct RunConfig {
  std::vector<Spec> models;
  std::vector<RunDataset> datasets;
  std::vector<RunCondition> corruptions;
  std::vector<RunCondition> attacks;
  std::vector<Spec> metrics;
  std::vector<std::string> templates;
  std::uint64_t seed = 0;
  std::int64_t batch_size = 64;
  std::string device = "cpu";             // where models run ("cpu", "cuda", "cuda:N"); roz run --device overrides it
  Precision precision = Precision::fp32;  // of model forward passes; roz run --precision overrides it
  std::size_t prompt_attack_points = 256;
  bool embeddings = false;
  int bootstrap = 200;
  RunOverlap overlap;
  std::string source;  // the file, for messages
  std::string text;    // the YAML as given, stored with the results
};

RunConfig parse_run_config(const std::string& yaml, const std::string& source);
RunConfig load_run_config(const std::filesystem::path& path);

}  // namespace roz::core

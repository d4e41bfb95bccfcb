// `roz train`: contrastive image-text training (symmetric InfoNCE over the batch, CLIP's loss) of
// any model plugin with trainable parameters, on a labelled dataset whose captions are drawn from
// prompt templates, so the text tower learns from text rather than from a label index.
// Deterministic for a seed; checkpoints every epoch; resumes after an interruption.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "roz/spec.hpp"

namespace roz::core {

class PluginHost;

struct TrainOptions {
  Spec model;                          // e.g. mini_clip:weights=random,seed=0
  std::string dataset = "fashion-mnist-train";
  std::vector<std::string> templates;  // empty: the dataset's
  std::string eval_dataset;            // zero-shot accuracy after each epoch; empty: none
  std::size_t eval_limit = 2000;
  std::size_t limit = 0;  // training images; 0: all
  int epochs = 10;
  std::int64_t batch_size = 256;
  double lr = 2e-3;
  double weight_decay = 0.05;
  double warmup_fraction = 0.05;  // of all steps, then cosine decay to zero
  std::uint64_t seed = 0;
  std::filesystem::path out;             // the trained weights
  std::filesystem::path checkpoint_dir;  // empty: OUT.checkpoints
  bool resume = false;
  std::function<void(std::int64_t step)> on_step;  // after every optimiser step (tests interrupt here)
};

struct EpochStats {
  int epoch = 0;
  double mean_loss = 0;
  double images_per_second = 0;
  double eval_top1 = -1;  // -1: not evaluated
};

struct TrainReport {
  std::vector<EpochStats> epochs;  // the epochs this run trained
  int resumed_from = 0;            // last finished epoch found in the checkpoints (0: none)
  std::filesystem::path out;
};

TrainReport train(PluginHost& host, const TrainOptions& options);

}  // namespace roz::core

// `roz train`: training and robust fine-tuning of any model plugin with trainable parameters, on a
// labelled dataset whose captions are drawn from prompt templates (so the text tower learns from
// text rather than from a label index). Objectives:
//   contrastive    CLIP's symmetric InfoNCE over the batch;
//   adversarial    multimodal contrastive adversarial training: the InfoNCE terms on attacked images
//                  (an attack plugin, PGD by default) and on attacked captions (a text-prompt attack
//                  plugin), weighted;
//   perturbation   perturbation-robust embeddings: cosine between the embeddings of an image and of
//                  its perturbed copy (a corruption plugin with sampled parameters), plus cosine to
//                  the frozen original model's embedding;
//   copy_detection an image copy-detection descriptor (SSCD): InfoNCE between each image and its
//                  copy made by the audit's copy edits, the batch's other images as negatives, plus
//                  the KoLeo entropy term; needs no text tower.
// Deterministic for a seed; checkpoints every epoch (and every N steps); resumes after an interruption.
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
  Spec model;                             // e.g. mini_clip:weights=random,seed=0
  std::string objective = "contrastive";  // contrastive | adversarial | perturbation | copy_detection
  // adversarial: which modalities are attacked (image | text | both); the other term stays clean.
  std::string adversarial = "both";
  std::string image_attack = "pgd:eps=1/255,steps=10";  // an image attack plugin's spec
  std::string text_attack = "word_substitution:k=1";    // a text-prompt attack plugin's spec
  double image_weight = 0.5;                            // w_i, on the attacked-image terms
  double text_weight = 0.5;                             // w_t, on the attacked-caption terms
  // perturbation: a corruption spec whose parameters may be ranges lo..hi, sampled per image,
  // e.g. jpeg_compression:quality=10..90; lambda weighs the pull to the frozen original.
  std::string perturbation = "jpeg_compression:quality=10..90";
  double lambda = 1.0;
  // copy_detection: the fixed temperature of its InfoNCE and the weight of the entropy term (SSCD's
  // 0.05 and 30).
  double temperature = 0.05;
  double entropy_weight = 30.0;
  // all | image | text | projection | last:N (the image tower's last N blocks and what follows them)
  std::string trainable = "all";
  std::string lr_schedule = "cosine";  // after warm-up: cosine | linear | constant
  std::string dataset = "fashion-mnist-train";
  std::vector<std::string> templates;  // empty: the dataset's
  std::string eval_dataset;            // zero-shot accuracy after each epoch; empty: none
  std::size_t eval_limit = 2000;
  std::size_t limit = 0;  // training images; 0: all
  std::size_t shots = 0;  // few-shot: K training images per class, sampled with `seed` (0: all)
  int epochs = 10;
  std::int64_t batch_size = 256;
  double lr = 2e-3;
  double weight_decay = 0.05;
  double warmup_fraction = 0.05;  // of all steps, then cosine decay to zero
  std::uint64_t seed = 0;
  std::filesystem::path out;             // the trained weights
  std::filesystem::path checkpoint_dir;  // empty: OUT.checkpoints
  std::int64_t checkpoint_every = 0;     // steps between checkpoints inside an epoch; 0: at epoch ends only
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
  std::vector<EpochStats> epochs;       // the epochs this run trained (or finished, when resumed inside one)
  std::int64_t resumed_from = 0;        // global step of the checkpoint resumed from (0: none)
  std::int64_t trained_parameters = 0;  // scalars the optimiser updated
  std::filesystem::path out;
};

TrainReport train(PluginHost& host, const TrainOptions& options);

}  // namespace roz::core

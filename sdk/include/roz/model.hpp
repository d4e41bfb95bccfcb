// The model interface. Every model encodes images; a CLIP-style dual encoder also has a text tower
// (zero-shot heads are built from class prompts), an image classifier a fixed label set instead
// (supervised baselines: logits over its own classes, no text tower), and an image embedding alone
// (pixels) has neither. Images enter as float RGB NCHW in [0,1]; the model normalises inside, so an
// attack's epsilon means the same thing for every model. One object is used by one thread at a time.
#pragma once

#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "roz/descriptor.hpp"
#include "roz/preprocessing.hpp"

#pragma GCC visibility push(default)  // SDK types and functions are shared with plugins

namespace roz {

// A tensor training may update, and where it sits in the model, so `roz train --trainable` can pick
// a subset (one tower, its last blocks, the projections) for any model plugin.
struct ModelParameter {
  enum class Tower { image, text, shared };
  static constexpr int kBeforeBlocks = -1;      // stem, patch or token embeddings
  static constexpr int kAfterBlocks = 1 << 30;  // final norm, pooling, projection

  std::string name;  // e.g. "visual.transformer.resblocks.11.mlp.c_fc.weight"
  at::Tensor tensor;
  Tower tower = Tower::shared;
  int block = kBeforeBlocks;  // index of its block within its tower, counted from the input
  bool projection = false;    // the tower's projection into the joint embedding space
};

class Model : public Plugin {
 public:
  ~Model() override;

  virtual Preprocessing preprocessing() const = 0;
  virtual std::int64_t embedding_dim() const = 0;

  // [N,3,R,R] float in [0,1] -> [N,D] (not normalised); differentiable with respect to images.
  virtual at::Tensor encode_image(const at::Tensor& images) = 0;

  // The text tower (dual encoders). The defaults say the model has none.
  // Texts -> token ids [N, context_length] as the text tower expects them.
  virtual at::Tensor tokenize(const std::vector<std::string>& texts);
  // Token ids -> [N,D] (not normalised).
  virtual at::Tensor encode_text(const at::Tensor& tokens);
  virtual double logit_scale() const;

  // The fixed label set (image classifiers): class names as datasets name them (the host matches a
  // dataset's classes to them by name, as imagenet-testbed restricts logits to a class subset).
  // Empty (the default): the model has none and classifies zero-shot, through its text tower.
  virtual std::vector<std::string> class_names() const { return {}; }
  // [N,3,R,R] in [0,1] -> logits [N, class_names().size()]; differentiable with respect to images.
  virtual at::Tensor classify(const at::Tensor& images);

  // Training support (fine-tuning issues): the tensors an optimiser may update, mode, persistence.
  virtual std::vector<ModelParameter> trainable_parameters() = 0;
  // The log of the logit scale as a tensor training may update (CLIP learns its temperature); an
  // undefined tensor when the model has none to learn.
  virtual at::Tensor learnable_log_logit_scale() { return {}; }
  virtual void set_training(bool training) = 0;
  virtual void save(const std::string& path) const = 0;
  // Replaces the weights with those `save` wrote (same architecture); used to resume training.
  virtual void load(const std::string& path) = 0;

  // Identifies the weights (e.g. SHA-256 of the model file): keys caches, recorded with results.
  virtual std::string content_hash() const = 0;
};

}  // namespace roz

#pragma GCC visibility pop

// A training objective: the loss of one batch, differentiable in the trained parameters. Objectives
// call attack and corruption plugins through the host, never their code.
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "captions.hpp"
#include "train_batch.hpp"

namespace roz {
class Model;
}

namespace roz::core {

class PluginHost;
struct ResolvedPlugin;
struct TrainOptions;

struct ObjectiveContext {
  PluginHost& host;
  std::shared_ptr<Model> model;  // the model being trained
  const ResolvedPlugin& model_plugin;
  const Captions& captions;
  at::Tensor log_scale;  // exp() scales the in-batch similarities
  const TrainOptions& options;
};

class TrainObjective {
 public:
  virtual ~TrainObjective() = default;
  // May run attacks first (they leave gradients on the parameters: the trainer zeroes them after).
  virtual at::Tensor loss(const TrainBatch& batch) = 0;
  // What the objective resolved (attack and corruption specs, weights), recorded with the model.
  virtual nlohmann::json config() const = 0;
};

// CE(S(x,t), I) + CE(S(t,x), I): S the in-batch cosine similarities of image and text embeddings
// (rows not normalised) times exp(log_scale), I the identity targets.
at::Tensor contrastive_cross_entropies(const at::Tensor& image_embeddings, const at::Tensor& text_embeddings,
                                       const at::Tensor& log_scale);

// From options.objective; throws a named error for an unknown one or a bad plugin spec.
std::unique_ptr<TrainObjective> make_objective(const ObjectiveContext& context);

std::unique_ptr<TrainObjective> make_adversarial_objective(const ObjectiveContext& context);
std::unique_ptr<TrainObjective> make_perturbation_objective(const ObjectiveContext& context);
std::unique_ptr<TrainObjective> make_copy_detection_objective(const ObjectiveContext& context);

// Whether the objective reads captions (and so needs a text tower).
bool objective_uses_text(const std::string& objective);

}  // namespace roz::core

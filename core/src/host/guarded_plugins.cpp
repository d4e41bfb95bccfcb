#include "roz/core/guarded_plugins.hpp"

#include <ATen/core/Tensor.h>

#include <cmath>
#include <string>

#include "roz/attack.hpp"
#include "roz/core/autocast_scope.hpp"
#include "roz/core/guard.hpp"
#include "roz/corruption.hpp"
#include "roz/metric.hpp"
#include "roz/model.hpp"

namespace roz::core {

namespace {

// What the image pipeline needs of a model's preprocessing: a crop that fits inside the resized
// image, and a normalisation that is a number.
Preprocessing checked(const Preprocessing& p) {
  constexpr std::int64_t kLargestSide = 8192;
  if (p.resolution < 1 || p.resolution > kLargestSide)
    throw Error("resolution " + std::to_string(p.resolution) + " is not in [1, " + std::to_string(kLargestSide) + "]");
  if (p.resize != 0 && (p.resize < p.resolution || p.resize > kLargestSide))
    throw Error("resize " + std::to_string(p.resize) + " is neither 0 nor in [resolution " +
                std::to_string(p.resolution) + ", " + std::to_string(kLargestSide) + "]: the centre crop must fit");
  if (!parse_interpolation(to_string(p.interpolation))) throw Error("interpolation is not bicubic or bilinear");
  for (int c = 0; c < 3; ++c)
    if (!std::isfinite(p.mean[c]) || !std::isfinite(p.std[c]) || !(p.std[c] > 0))
      throw Error("mean/std of channel " + std::to_string(c) + " are not finite with std > 0");
  return p;
}

// Holds the plugin object (which holds its library) and the label used in error messages.
template <class Interface>
class Guarded : public Interface {
 public:
  // base_args: what the interface's own constructor takes (an attack's threat model).
  template <class... BaseArgs>
  Guarded(std::shared_ptr<Interface> impl, std::string label, BaseArgs&&... base_args)
      : Interface(std::forward<BaseArgs>(base_args)...), impl_(std::move(impl)), label_(std::move(label)) {}

 protected:
  template <class F>
  decltype(auto) call(const char* name, F&& f) const {
    return guard_call(label_, name, std::forward<F>(f));
  }
  std::shared_ptr<Interface> impl_;
  std::string label_;
};

class GuardedModel final : public Guarded<Model> {
 public:
  GuardedModel(std::shared_ptr<Model> impl, std::string label, ForwardPrecision forward)
      : Guarded(std::move(impl), std::move(label)), forward_(forward) {}
  Preprocessing preprocessing() const override {
    return call("preprocessing", [&] { return checked(impl_->preprocessing()); });
  }
  std::int64_t embedding_dim() const override {
    return call("embedding_dim", [&] { return impl_->embedding_dim(); });
  }
  at::Tensor encode_image(const at::Tensor& images) override {
    AutocastScope autocast(forward_.device_type, forward_.precision);
    return call("encode_image", [&] { return impl_->encode_image(images); });
  }
  at::Tensor tokenize(const std::vector<std::string>& texts) override {
    return call("tokenize", [&] { return impl_->tokenize(texts); });
  }
  at::Tensor encode_text(const at::Tensor& tokens) override {
    AutocastScope autocast(forward_.device_type, forward_.precision);
    return call("encode_text", [&] { return impl_->encode_text(tokens); });
  }
  double logit_scale() const override {
    return call("logit_scale", [&] { return impl_->logit_scale(); });
  }
  std::vector<std::string> class_names() const override {
    return call("class_names", [&] { return impl_->class_names(); });
  }
  at::Tensor classify(const at::Tensor& images) override {
    AutocastScope autocast(forward_.device_type, forward_.precision);
    return call("classify", [&] { return impl_->classify(images); });
  }
  std::vector<ModelParameter> trainable_parameters() override {
    return call("trainable_parameters", [&] { return impl_->trainable_parameters(); });
  }
  at::Tensor learnable_log_logit_scale() override {
    return call("learnable_log_logit_scale", [&] { return impl_->learnable_log_logit_scale(); });
  }
  void set_training(bool training) override {
    call("set_training", [&] { impl_->set_training(training); });
  }
  void save(const std::string& path) const override {
    call("save", [&] { impl_->save(path); });
  }
  void load(const std::string& path) override {
    call("load", [&] { impl_->load(path); });
  }
  std::string content_hash() const override {
    return call("content_hash", [&] { return impl_->content_hash(); });
  }

 private:
  ForwardPrecision forward_;
};

// Attack::perturb and Corruption::apply check their contract in the SDK, on the plugin's object; the
// guard only labels what they throw with the plugin and the call.
class GuardedAttack final : public Guarded<Attack> {
 public:
  GuardedAttack(const std::shared_ptr<Attack>& impl, std::string label)
      : Guarded(impl, std::move(label), impl->threat_model()) {}

 private:
  AttackResult perturb_(Classifier& target, const AttackBatch& batch) override {
    return call("perturb", [&] { return impl_->perturb(target, batch); });
  }
  PromptAttackResult perturb_prompts_(Classifier& target, const PromptSet& prompts, const AttackBatch& batch) override {
    return call("perturb_prompts", [&] { return impl_->perturb_prompts(target, prompts, batch); });
  }
};

class GuardedCorruption final : public Guarded<Corruption> {
 public:
  using Guarded::Guarded;

 private:
  CorruptionOutput apply_(const CorruptionInput& input) const override {
    return call("apply", [&] { return impl_->apply(input); });
  }
};

class GuardedAccumulator final : public Guarded<MetricAccumulator> {
 public:
  GuardedAccumulator(std::shared_ptr<MetricAccumulator> impl, std::string label, std::shared_ptr<Metric> owner)
      : Guarded(std::move(impl), std::move(label)), owner_(std::move(owner)) {}
  // The accumulator's code lives in the metric's library: destroy it while the library is loaded.
  ~GuardedAccumulator() override { impl_.reset(); }
  void add(const SampleRecord& record) override {
    call("add", [&] { impl_->add(record); });
  }
  std::vector<MetricValue> finish() override {
    return call("finish", [&] { return impl_->finish(); });
  }

 private:
  std::shared_ptr<Metric> owner_;
};

class GuardedMetric final : public Guarded<Metric> {
 public:
  using Guarded::Guarded;
  std::unique_ptr<MetricAccumulator> accumulate(const ConditionInfo& condition) override {
    std::shared_ptr<MetricAccumulator> acc = call("accumulate", [&] { return impl_->accumulate(condition); });
    if (!acc) throw PluginCallError(label_ + ": accumulate returned nothing");
    return std::make_unique<GuardedAccumulator>(std::move(acc), label_, impl_);
  }
  std::vector<ConditionSummary> across_conditions(const std::vector<ConditionSummary>& conditions,
                                                  const RecordReader& records) override {
    return call("across_conditions", [&] { return impl_->across_conditions(conditions, records); });
  }
  std::vector<ConditionSummary> across_models(const std::vector<std::vector<ConditionSummary>>& models) override {
    return call("across_models", [&] { return impl_->across_models(models); });
  }
};

}  // namespace

std::shared_ptr<Model> guard_model(std::shared_ptr<Model> impl, std::string label, ForwardPrecision forward) {
  return std::make_shared<GuardedModel>(std::move(impl), std::move(label), forward);
}
std::shared_ptr<Attack> guard_attack(std::shared_ptr<Attack> impl, std::string label) {
  return std::make_shared<GuardedAttack>(std::move(impl), std::move(label));
}
std::shared_ptr<Corruption> guard_corruption(std::shared_ptr<Corruption> impl, std::string label) {
  return std::make_shared<GuardedCorruption>(std::move(impl), std::move(label));
}
std::shared_ptr<Metric> guard_metric(std::shared_ptr<Metric> impl, std::string label) {
  return std::make_shared<GuardedMetric>(std::move(impl), std::move(label));
}

}  // namespace roz::core

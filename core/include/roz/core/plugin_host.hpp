// Creates plugin objects from specs: resolves parameters against the schema, gives each plugin its
// context (seed derived from the run seed and its resolved spec), guards every call, and ties
// each object's lifetime to its library.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>

#include "roz/context.hpp"
#include "roz/core/precision.hpp"
#include "roz/core/registry.hpp"
#include "roz/params.hpp"

namespace roz {
class Metric;
}

namespace roz::core {

struct ResolvedPlugin {
  const LoadedPlugin* library = nullptr;
  Params params;
  std::string spec;  // fully resolved, e.g. "fgsm:eps=0.0313...,norm=linf,targeted=false"
  std::string label;  // "attack plugin 'fgsm'", for messages

  const PluginDescriptor& descriptor() const { return *library->descriptor; }
};

class PluginHost final : public Host {
 public:
  // The host must outlive every object it creates (they keep pointers into its context). `device`
  // ("cpu", "cuda", "cuda:N") is where model plugins place themselves (PluginContext::device) and
  // where the pipelines put images; every model forward pass runs at `precision` (AutocastScope).
  // Throws ParamError when the device is not usable here.
  PluginHost(const Registry& registry, std::uint64_t run_seed, int threads, std::string device = "cpu",
             Precision precision = Precision::fp32);

  ResolvedPlugin resolve(PluginKind kind, const Spec& spec) const;

  std::shared_ptr<Model> create_model(const ResolvedPlugin& plugin);
  std::shared_ptr<Attack> create_attack(const ResolvedPlugin& plugin);
  std::shared_ptr<Corruption> create_corruption(const ResolvedPlugin& plugin);
  std::shared_ptr<Metric> create_metric(const ResolvedPlugin& plugin);

  std::shared_ptr<Model> create_model(const Spec& spec) override;
  std::shared_ptr<Attack> create_attack(const Spec& spec) override;
  std::shared_ptr<Corruption> create_corruption(const Spec& spec) override;
  std::shared_ptr<Classifier> create_classifier(std::shared_ptr<Model> model, const PromptSet& prompts) override;

  const Registry& registry() const { return registry_; }
  std::uint64_t run_seed() const { return run_seed_; }
  int threads() const { return threads_; }
  c10::Device device() const { return tensor_device_; }
  Precision precision() const { return precision_; }
  CancellationToken& cancellation() { return cancel_; }

 private:
  template <class T>
  std::shared_ptr<T> instantiate(const ResolvedPlugin& plugin);

  const Registry& registry_;
  std::uint64_t run_seed_;
  int threads_;
  std::string device_;
  c10::Device tensor_device_;
  Precision precision_;
  CancellationToken cancel_;
};

}  // namespace roz::core

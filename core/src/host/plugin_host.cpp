#include "roz/core/plugin_host.hpp"

#include "roz/attack.hpp"
#include "roz/core/guard.hpp"
#include "roz/core/guarded_plugins.hpp"
#include "roz/core/label_set_classifier.hpp"
#include "roz/core/logging.hpp"
#include "roz/core/param_validation.hpp"
#include "roz/core/zero_shot_head.hpp"
#include "roz/corruption.hpp"
#include "roz/device.hpp"
#include "roz/error.hpp"
#include "roz/metric.hpp"
#include "roz/model.hpp"
#include "roz/seed.hpp"

namespace roz::core {

namespace {
constexpr std::int64_t kHeadBatch = 256;
}

PluginHost::PluginHost(const Registry& registry, std::uint64_t run_seed, int threads, std::string device,
                       Precision precision)
    : registry_(registry),
      run_seed_(run_seed),
      threads_(threads),
      device_(std::move(device)),
      tensor_device_(parse_device(device_, "device")),
      precision_(precision) {}

ResolvedPlugin PluginHost::resolve(PluginKind kind, const Spec& spec) const {
  ResolvedPlugin out;
  out.library = &registry_.find(kind, spec.name);
  try {
    out.params = resolve_params(*out.library->descriptor, spec);
  } catch (const ParamError& e) {
    throw ParamError(std::string(e.what()) + " [" + out.library->path.string() + "]");
  }
  out.spec = out.params.to_spec_string();
  out.label = std::string(to_string(kind)) + " plugin '" + spec.name + "'";
  return out;
}

template <class T>
std::shared_ptr<T> PluginHost::instantiate(const ResolvedPlugin& plugin) {
  PluginContext context;
  context.logger = &host_logger();
  context.host = this;
  context.seed = derive_seed(run_seed_, "plugin", plugin.spec);
  context.threads = threads_;
  context.device = device_;
  context.cancel = &cancel_;
  context.progress = &host_progress();
  // Creation failures name the file too: that is where a broken installation shows up.
  std::unique_ptr<Plugin> object = guard_call(plugin.label + " (" + plugin.library->path.string() + ")", "create",
                                              [&] { return plugin.descriptor().create(plugin.params, context); });
  if (!object) throw PluginCallError(plugin.label + ": create returned no object");
  T* typed = dynamic_cast<T*>(object.get());
  if (typed == nullptr)
    throw PluginCallError(plugin.label + ": create returned an object that is not a " +
                          std::string(to_string(plugin.descriptor().kind)));
  object.release();
  // The deleter owns the library handle, so the code of T's destructor is still mapped when it runs.
  auto library = plugin.library->library;
  return std::shared_ptr<T>(typed, [library](T* p) { delete p; });
}

std::shared_ptr<Model> PluginHost::create_model(const ResolvedPlugin& plugin) {
  return guard_model(instantiate<Model>(plugin), plugin.label, {tensor_device_.type(), precision_});
}
std::shared_ptr<Attack> PluginHost::create_attack(const ResolvedPlugin& plugin) {
  return guard_attack(instantiate<Attack>(plugin), plugin.label);
}
std::shared_ptr<Corruption> PluginHost::create_corruption(const ResolvedPlugin& plugin) {
  return guard_corruption(instantiate<Corruption>(plugin), plugin.label);
}
std::shared_ptr<Metric> PluginHost::create_metric(const ResolvedPlugin& plugin) {
  return guard_metric(instantiate<Metric>(plugin), plugin.label);
}

std::shared_ptr<Model> PluginHost::create_model(const Spec& spec) {
  return create_model(resolve(PluginKind::model, spec));
}
std::shared_ptr<Attack> PluginHost::create_attack(const Spec& spec) {
  return create_attack(resolve(PluginKind::attack, spec));
}
std::shared_ptr<Corruption> PluginHost::create_corruption(const Spec& spec) {
  return create_corruption(resolve(PluginKind::corruption, spec));
}

std::shared_ptr<Classifier> PluginHost::create_classifier(std::shared_ptr<Model> model, const PromptSet& prompts) {
  if (!model->class_names().empty())  // an image classifier: its own logits, the prompts' classes among them
    return std::make_shared<LabelSetClassifier>(std::move(model), prompts.class_names);
  ZeroShotHead head = ZeroShotHead::from_prompts(*model, prompts, kHeadBatch);
  return std::make_shared<ZeroShotClassifier>(std::move(model), std::move(head));
}

}  // namespace roz::core

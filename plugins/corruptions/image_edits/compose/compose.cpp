// compose: several corruptions applied in order, e.g. compose:steps=(jpeg_compression:quality=30;
// brightness:factor=1.2). Each step is created through the host (any installed corruption plugin,
// its parameters validated) and draws from its own seed, derived from the sample's and its position.
#include "image_edits_library.hpp"
#include "roz/seed.hpp"
#include "roz/support/corruptions/imagenet_c.hpp"

namespace {

class Compose final : public roz::Corruption {
 public:
  Compose(const roz::Params& p, const roz::PluginContext& context) {
    if (context.host == nullptr) throw roz::Error("compose: created without a host, cannot create its steps");
    for (const roz::Spec& spec : p.get_specs("steps")) {
      if (spec.name == "compose") throw roz::Error("compose: a step cannot itself be compose (flatten the list)");
      steps_.emplace_back(spec.name, context.host->create_corruption(spec));
    }
    if (steps_.empty()) throw roz::Error("compose: steps is empty");
  }

 private:
  roz::CorruptionOutput apply_(const roz::CorruptionInput& in) const override {
    roz::CorruptionOutput out{in.image, {}, false};
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      roz::CorruptionInput step = in;
      step.image = out.image;
      step.seed = roz::derive_seed(in.seed, "compose step", std::to_string(i));
      roz::CorruptionOutput result = steps_[i].second->apply(step);
      for (auto& [key, value] : result.metadata)
        out.metadata[std::to_string(i + 1) + "." + steps_[i].first + "." + key] = value;
      out.image = result.image;
      if (result.skipped) {
        out.skipped = true;
        break;
      }
    }
    return out;
  }

  std::vector<std::pair<std::string, std::shared_ptr<roz::Corruption>>> steps_;
};

}  // namespace

roz::PluginDescriptor roz::builtin::describe_compose() {
  return roz::imagenet_c::corruption_descriptor<Compose>(
      "compose", "several corruptions in sequence (a nested spec list)",
      {roz::param::required(roz::param::spec_list(
          "steps", "corruptions applied in order, e.g. (jpeg_compression:quality=30;brightness:factor=1.2)"))});
}

// One source, several deliberately broken plugin libraries (selected by ROZ_BROKEN_<DEFECT>), so
// the tests can check that each defect gives a clear one-line error and hides no good plugin.
#include <ATen/core/Tensor.h>

#include <stdexcept>

#include "roz/attack.hpp"
#include "roz/plugin.hpp"

namespace {

class ThrowingAttack final : public roz::Attack {
 public:
  roz::AttackResult perturb(roz::Classifier&, const roz::AttackBatch&) override {
    throw std::runtime_error("deliberate failure inside perturb");
  }
};

roz::PluginDescriptor describe() {
  roz::PluginDescriptor d;
#if defined(ROZ_BROKEN_DUPLICATE_NAME)
  d.name = "fgsm";  // clashes with the built-in attack
#elif defined(ROZ_BROKEN_FACTORY_THROWS)
  d.name = "throwing_factory";
#else
  d.name = "broken_attack";
#endif
  d.kind = roz::PluginKind::attack;
  d.version = "0.0.1";
  d.license = "Apache-2.0";
  d.description = "test plugin with a deliberate defect";
  d.capabilities = roz::kNeedsGradients;
  d.create = [](const roz::Params&, const roz::PluginContext&) -> std::unique_ptr<roz::Plugin> {
#if defined(ROZ_BROKEN_FACTORY_THROWS)
    throw std::runtime_error("deliberate failure in the factory");
#else
    return std::make_unique<ThrowingAttack>();
#endif
  };
  return d;
}

}  // namespace

#if defined(ROZ_BROKEN_NO_ENTRY)
extern "C" __attribute__((visibility("default"))) int not_the_roz_entry() { return describe().name.size(); }
#elif defined(ROZ_BROKEN_ABI_MAJOR) || defined(ROZ_BROKEN_ABI_MINOR_NEWER) || defined(ROZ_BROKEN_TORCH_MISMATCH)
namespace {
const roz::PluginDescriptor* descriptor() {
  static const roz::PluginDescriptor d = describe();
  return &d;
}
}  // namespace
extern "C" __attribute__((visibility("default"))) const roz::PluginEntry* roz_plugin_entry() {
#if defined(ROZ_BROKEN_ABI_MAJOR)
  static const roz::PluginEntry entry{roz::kEntryMagic, ROZ_ABI_MAJOR + 1, 0, TORCH_VERSION, ROZ_CXX_ABI, &descriptor};
#elif defined(ROZ_BROKEN_ABI_MINOR_NEWER)
  static const roz::PluginEntry entry{roz::kEntryMagic, ROZ_ABI_MAJOR, ROZ_ABI_MINOR + 1, TORCH_VERSION, ROZ_CXX_ABI,
                                      &descriptor};
#else
  static const roz::PluginEntry entry{roz::kEntryMagic, ROZ_ABI_MAJOR, ROZ_ABI_MINOR, "0.0.1", ROZ_CXX_ABI, &descriptor};
#endif
  return &entry;
}
#else
ROZ_PLUGIN(describe)
#endif

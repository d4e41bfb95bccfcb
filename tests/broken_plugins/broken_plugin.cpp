// Deliberately broken plugin libraries, so the tests can check that each defect gives a clear
// one-line error naming the file and hides no good plugin. Two libraries from this one source:
//   no_entry.so   (ROZ_BROKEN_NO_ENTRY) exports no entry symbol at all;
//   defective.so  has the defect named by the environment variable ROZ_BROKEN_DEFECT, read each
//                 time the host calls the entry, so one library covers every refusal branch of the
//                 loader without one build per defect. Unset: a plugin that loads and works.
#include <ATen/core/Tensor.h>

#include <csignal>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>

#include "roz/attack.hpp"
#include "roz/plugin.hpp"

namespace {

class ThrowingAttack final : public roz::Attack {
 public:
 private:
  roz::AttackResult perturb_(roz::Classifier&, const roz::AttackBatch&) override {
    throw std::runtime_error("deliberate failure inside perturb");
  }
};

std::string defect() {
  const char* d = std::getenv("ROZ_BROKEN_DEFECT");
  return d ? d : "";
}

roz::PluginDescriptor describe(const std::string& defect) {
  if (defect == "descriptor_throws") throw std::runtime_error("deliberate failure in the descriptor");
  if (defect == "descriptor_throws_int") throw 7;
  roz::PluginDescriptor d;
  d.name = defect == "duplicate_name"    ? "fgsm"  // clashes with the built-in attack
           : defect == "invalid_name"    ? "Broken Attack"
           : defect == "factory_throws"  ? "throwing_factory"
                                         : "broken_attack";
  d.kind = roz::PluginKind::attack;
  d.version = "0.0.1";
  d.license = "Apache-2.0";
  d.description = "test plugin with a deliberate defect";
  d.capabilities = roz::kNeedsGradients;
  if (defect == "default_out_of_range") d.params = {roz::param::real("eps", 2.0, 0.0, 1.0, "out of its own range")};
  if (defect == "parameter_twice")
    d.params = {roz::param::real("eps", 0.1, 0.0, 1.0, "first"), roz::param::real("eps", 0.2, 0.0, 1.0, "second")};
  if (defect == "no_factory") return d;
  d.create = [defect](const roz::Params&, const roz::PluginContext&) -> std::unique_ptr<roz::Plugin> {
    if (defect == "factory_throws") throw std::runtime_error("deliberate failure in the factory");
    return std::make_unique<ThrowingAttack>();
  };
  return d;
}

// One descriptor list per defect, built on first request and kept for the library's lifetime (the
// host holds pointers into it).
const std::vector<roz::PluginDescriptor>* descriptors_for(const std::string& defect) {
  static std::map<std::string, std::vector<roz::PluginDescriptor>> built;
  auto it = built.find(defect);
  if (it != built.end()) return &it->second;
  std::vector<roz::PluginDescriptor> list;
  if (defect != "no_descriptors") list.push_back(describe(defect));
  if (defect == "same_name_twice") list.push_back(describe(defect));
  return &built.emplace(defect, std::move(list)).first->second;
}

const std::vector<roz::PluginDescriptor>* current_descriptors() {
  return descriptors_for(defect());
}

}  // namespace

#if defined(ROZ_BROKEN_NO_ENTRY)
extern "C" __attribute__((visibility("default"))) int not_the_roz_entry() {
  return static_cast<int>(current_descriptors()->size());
}
#else
namespace {
const std::vector<roz::PluginDescriptor>* no_descriptor() {
  return nullptr;
}
}  // namespace

extern "C" __attribute__((visibility("default"))) const roz::PluginEntry* roz_plugin_entry() {
  using roz::kEntryMagic;
  static const roz::PluginEntry good{kEntryMagic,   ROZ_ABI_MAJOR, ROZ_ABI_MINOR,
                                     TORCH_VERSION, ROZ_CXX_ABI,   &current_descriptors};
  static const roz::PluginEntry bad_magic{kEntryMagic + 1, ROZ_ABI_MAJOR, ROZ_ABI_MINOR,
                                          TORCH_VERSION,   ROZ_CXX_ABI,   &current_descriptors};
  static const roz::PluginEntry abi_major{kEntryMagic,   ROZ_ABI_MAJOR + 1, 0,
                                          TORCH_VERSION, ROZ_CXX_ABI,       &current_descriptors};
  static const roz::PluginEntry abi_minor_newer{kEntryMagic,   ROZ_ABI_MAJOR, ROZ_ABI_MINOR + 1,
                                                TORCH_VERSION, ROZ_CXX_ABI,   &current_descriptors};
  static const roz::PluginEntry torch_mismatch{kEntryMagic, ROZ_ABI_MAJOR, ROZ_ABI_MINOR,
                                               "0.0.1",     ROZ_CXX_ABI,   &current_descriptors};
  static const roz::PluginEntry cxx_abi_mismatch{kEntryMagic,   ROZ_ABI_MAJOR,  ROZ_ABI_MINOR,
                                                 TORCH_VERSION, "msvc19/cxx98", &current_descriptors};
  static const roz::PluginEntry no_descriptor_function{kEntryMagic,   ROZ_ABI_MAJOR, ROZ_ABI_MINOR,
                                                       TORCH_VERSION, ROZ_CXX_ABI,   nullptr};
  static const roz::PluginEntry null_descriptor{kEntryMagic, ROZ_ABI_MAJOR, ROZ_ABI_MINOR, TORCH_VERSION,
                                                ROZ_CXX_ABI, &no_descriptor};
  const std::string d = defect();
  if (d == "crash_in_entry") std::raise(SIGSEGV);  // as a null dereference in plugin code would
  if (d == "entry_throws") throw std::runtime_error("deliberate failure in the entry");
  if (d == "entry_throws_int") throw 7;
  if (d == "null_entry") return nullptr;
  if (d == "bad_magic") return &bad_magic;
  if (d == "abi_major") return &abi_major;
  if (d == "abi_minor_newer") return &abi_minor_newer;
  if (d == "torch_mismatch") return &torch_mismatch;
  if (d == "cxx_abi_mismatch") return &cxx_abi_mismatch;
  if (d == "no_descriptor_function") return &no_descriptor_function;
  if (d == "null_descriptor") return &null_descriptor;
  return &good;
}
#endif

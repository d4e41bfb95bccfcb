#include <dlfcn.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "roz/attack.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/error.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

TEST(Registry, FindsOneBuiltInOfEachKind) {
  const core::Registry& registry = test::builtin_registry();
  EXPECT_TRUE(registry.failures().empty());
  std::set<std::pair<PluginKind, std::string>> found;
  for (const auto& p : registry.plugins()) {
    found.insert({p.descriptor->kind, p.descriptor->name});
    EXPECT_EQ(p.entry->abi_major, kAbiMajor);
    EXPECT_EQ(p.torch_version, core::host_torch_version());
    EXPECT_FALSE(p.descriptor->version.empty());
    EXPECT_FALSE(p.descriptor->license.empty());
  }
  EXPECT_TRUE(found.count({PluginKind::model, "torchscript"}));
  EXPECT_TRUE(found.count({PluginKind::attack, "fgsm"}));
  EXPECT_TRUE(found.count({PluginKind::corruption, "jpeg_compression"}));
  EXPECT_TRUE(found.count({PluginKind::metric, "accuracy"}));
}

TEST(Registry, UnknownPluginListsTheAvailableOnes) {
  try {
    test::builtin_registry().find(PluginKind::attack, "pgdd");
    FAIL();
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind("unknown attack plugin 'pgdd' (available: ", 0), 0u) << message;
    EXPECT_NE(message.find(" pgd,"), std::string::npos) << message;  // the near miss is listed
    EXPECT_NE(message.find("fgsm"), std::string::npos) << message;
  }
}

TEST(Registry, ParametersAreValidatedBeforeThePluginRuns) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  EXPECT_THROW(host.create_attack(parse_spec("fgsm:epsilon=0.1")), ParamError);
  EXPECT_THROW(host.create_attack(parse_spec("fgsm:eps=1.5")), ParamError);
  EXPECT_THROW(host.create_corruption(parse_spec("jpeg_compression:severity=6")), ParamError);
  EXPECT_NO_THROW(host.create_attack(parse_spec("fgsm:eps=4/255,norm=l2")));
  core::ResolvedPlugin r = host.resolve(PluginKind::attack, parse_spec("fgsm:eps=4/255"));
  EXPECT_EQ(r.spec, "fgsm:eps=0.01568627450980392,norm=linf");
}

// Whether the dynamic loader still has `path` mapped (RTLD_NOLOAD: never loads it).
bool mapped(const std::string& path) {
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle != nullptr) ::dlclose(handle);  // drop the reference the probe took
  return handle != nullptr;
}

TEST(Registry, ObjectsKeepTheirLibraryLoaded) {
  core::Registry models = core::Registry::discover({std::string(ROZ_TEST_PLUGIN_DIR) + "/torchscript.so"});
  core::PluginHost model_host(models, 0, 1);
  auto classifier = test::tiny_classifier(model_host, 2);

  // The only registry holding white_box_attacks.so goes away while the attack it created lives: the attack's
  // code must stay mapped (if it were unloaded, perturb would crash).
  // A copy of its own (another file is another load), so no other test's registry can hold it.
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "roz_registry_unload";
  std::filesystem::create_directories(dir);
  const std::string library = (dir / "white_box_attacks.so").string();
  std::filesystem::copy_file(std::string(ROZ_TEST_PLUGIN_DIR) + "/white_box_attacks.so", library,
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_FALSE(mapped(library));
  auto attacks = std::make_unique<core::Registry>(core::Registry::discover({library}));
  auto host = std::make_unique<core::PluginHost>(*attacks, 0, 1);
  std::shared_ptr<Attack> attack = host->create_attack(parse_spec("fgsm"));
  host.reset();
  attacks.reset();
  EXPECT_TRUE(mapped(library)) << "the attack's library was unloaded under it";

  test::ImageBatch batch = test::load_cifar(1, 5);
  std::vector<std::uint64_t> seeds(static_cast<size_t>(batch.labels.size(0)), 1);
  AttackResult r = attack->perturb(*classifier, {batch.tensor, batch.labels, seeds, nullptr});
  EXPECT_EQ(r.images.sizes(), batch.tensor.sizes());
  EXPECT_EQ(r.gradient_evaluations, batch.labels.size(0));

  // The attack was the last holder: its library goes with it (so what kept it mapped above was the
  // attack, not a leaked handle).
  attack.reset();
  EXPECT_FALSE(mapped(library)) << "white_box_attacks.so stays mapped after its last object is gone";
}

}  // namespace
}  // namespace roz

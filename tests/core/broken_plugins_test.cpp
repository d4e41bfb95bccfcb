// Each deliberately broken plugin gives one clear line naming its file, and never hides the good
// plugins found on the same search path.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "roz/abi.hpp"
#include "roz/attack.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/error.hpp"
#include "roz/plugin.hpp"  // ROZ_CXX_ABI, TORCH_VERSION
#include "test_env.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;

// The library for a defect: no_entry.so and the text file not_a_library.so are their own files;
// every other defect is defective.so with ROZ_BROKEN_DEFECT set while the registry loads it.
fs::path broken(const std::string& defect) {
  const std::string library = defect == "no_entry" || defect == "not_a_library" ? defect : "defective";
  return fs::path(ROZ_TEST_BROKEN_DIR) / library;
}

core::Registry with_builtins(const std::string& defect) {
  ::setenv("ROZ_BROKEN_DEFECT", defect.c_str(), 1);
  core::Registry registry = core::Registry::discover({broken(defect), ROZ_TEST_PLUGIN_DIR});
  ::unsetenv("ROZ_BROKEN_DEFECT");
  return registry;
}

std::string only_failure(const core::Registry& registry) {
  EXPECT_EQ(registry.failures().size(), 1u);
  if (registry.failures().empty()) return "";
  std::string message = registry.failures().front().message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
  return message;
}

void expect_good_plugins_listed(const core::Registry& registry) {
  for (auto [kind, name] : {std::pair{PluginKind::model, "torchscript"},
                            {PluginKind::attack, "fgsm"},
                            {PluginKind::corruption, "jpeg_compression"},
                            {PluginKind::metric, "accuracy"}})
    EXPECT_NO_THROW(registry.find(kind, name)) << name;
}

struct Case {
  const char* defect;
  std::string expected;  // fragment of the message
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.defect;
}

std::string abi(std::uint32_t major, std::uint32_t minor) {
  return std::to_string(major) + "." + std::to_string(minor);
}

// The control: with no defect selected, defective.so loads, so each refusal below comes from the
// defect alone.
TEST(BrokenPlugin, WithoutADefectTheLibraryLoads) {
  core::Registry registry = with_builtins("");
  EXPECT_TRUE(registry.failures().empty()) << registry.failures().front().message;
  EXPECT_EQ(registry.find(PluginKind::attack, "broken_attack").path, broken("") / "defective.so");
}

class BrokenPlugin : public testing::TestWithParam<Case> {};

// One case per refusal branch of the loader (core/src/host/plugin_library.cpp) and of the registry.
TEST_P(BrokenPlugin, GivesOneClearLineNamingTheFile) {
  const Case& c = GetParam();
  core::Registry registry = with_builtins(c.defect);
  std::string message = only_failure(registry);
  EXPECT_NE(message.find(broken(c.defect).string()), std::string::npos) << message;
  EXPECT_NE(message.find(c.expected), std::string::npos) << message;
  expect_good_plugins_listed(registry);
}

INSTANTIATE_TEST_SUITE_P(
    Defects, BrokenPlugin,
    testing::Values(
        Case{"not_a_library", "not a loadable shared library"}, Case{"no_entry", "no 'roz_plugin_entry' entry symbol"},
        Case{"entry_throws", "entry threw: deliberate failure in the entry"},
        Case{"entry_throws_int", "entry threw a non-standard exception"},
        Case{"null_entry", "entry symbol does not return a RoZ plugin entry (bad magic)"},
        Case{"bad_magic", "entry symbol does not return a RoZ plugin entry (bad magic)"},
        Case{"abi_major", "ABI major version mismatch: plugin ABI " + abi(kAbiMajor + 1, 0) + ", host ABI " +
                              abi(kAbiMajor, kAbiMinor)},
        Case{"abi_minor_newer", "plugin needs a newer host: plugin ABI " + abi(kAbiMajor, kAbiMinor + 1) +
                                    ", host ABI " + abi(kAbiMajor, kAbiMinor)},
        Case{"torch_mismatch", "built against LibTorch 0.0.1, host uses " TORCH_VERSION},
        Case{"cxx_abi_mismatch", "built with compiler ABI msvc19/cxx98, host uses " ROZ_CXX_ABI},
        Case{"no_descriptor_function", "entry has no descriptor"}, Case{"null_descriptor", "entry has no descriptor"},
        Case{"no_descriptors", "entry has no descriptor"},
        Case{"same_name_twice", "two attack plugins named 'broken_attack'"},
        Case{"descriptor_throws", "descriptor threw: deliberate failure in the descriptor"},
        Case{"descriptor_throws_int", "descriptor threw a non-standard exception"},
        Case{"invalid_name", "invalid plugin name 'Broken Attack' (use lower-case letters, digits, _ - .)"},
        Case{"no_factory", "plugin 'broken_attack' has no factory"},
        Case{"default_out_of_range", "attack plugin 'broken_attack': parameter 'eps': 2 is out of range [0, 1]"},
        Case{"parameter_twice", "plugin 'broken_attack' declares parameter 'eps' twice"},
        Case{"duplicate_name", "duplicate attack plugin name 'fgsm', already provided by"}),
    [](const testing::TestParamInfo<Case>& param_info) { return std::string(param_info.param.defect); });

// A library that crashes while loading is probed in a child process first (roz-plugin-probe): one
// refusal naming the file, and this process lives on. Before, it took every command down (rc 139).
// A cache of its own: no earlier clean verdict for defective.so may skip the probe.
TEST(BrokenPlugin, ALibraryThatCrashesWhileLoadingIsRefusedNotFatal) {
  const fs::path cache = fs::temp_directory_path() / ("roz_probe_cache." + std::to_string(::getpid()));
  fs::remove_all(cache);
  ::setenv("ROZ_CACHE_DIR", cache.c_str(), 1);
  core::Registry registry = with_builtins("crash_in_entry");
  ::unsetenv("ROZ_CACHE_DIR");
  const std::string message = only_failure(registry);
  EXPECT_NE(message.find("plugin file '" + (broken("crash_in_entry") / "defective.so").string() +
                         "': crashed while loading (Segmentation fault, signal 11, probed in a child process)"),
            std::string::npos)
      << message;
  expect_good_plugins_listed(registry);
  EXPECT_FALSE(fs::exists(cache / "plugin-probes") && !fs::is_empty(cache / "plugin-probes"))
      << "a crash was remembered as a clean load";
  fs::remove_all(cache);
}

TEST(BrokenPlugin, DuplicateKeepsTheFirstFoundAndNamesBothFiles) {
  core::Registry registry = with_builtins("duplicate_name");
  std::string message = only_failure(registry);
  EXPECT_NE(message.find("plugin file '" + std::string(ROZ_TEST_PLUGIN_DIR) +
                         "/white_box_attacks.so': duplicate attack plugin name 'fgsm', already provided by '" +
                         (broken("duplicate_name") / "defective.so").string() + "' (ignored)"),
            std::string::npos)
      << message;
  // The search path order decides: the broken directory came first, so its fgsm is the one kept.
  EXPECT_EQ(registry.find(PluginKind::attack, "fgsm").path.parent_path(), broken("duplicate_name"));
  // Only the clashing plugin is dropped: the other attacks of its library still load.
  EXPECT_EQ(registry.find(PluginKind::attack, "pgd").path.filename(), "white_box_attacks.so");
}

// Asking for a plugin by the name of a file that failed to load says why it is missing.
TEST(BrokenPlugin, AskingForTheFailedFilesNameGivesItsFailure) {
  core::Registry registry = with_builtins("abi_major");
  try {
    registry.find(PluginKind::attack, "defective");
    FAIL() << "a plugin named like the broken file was found";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown attack plugin 'defective' (available: "), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("; a file named like it failed to load: plugin file '" +
                                         (broken("abi_major") / "defective.so").string() + "': ABI major"),
              std::string::npos)
        << e.what();
  }
}

TEST(BrokenPlugin, FactoryThatThrowsIsReportedWithPluginAndCall) {
  core::Registry registry = with_builtins("factory_throws");
  EXPECT_TRUE(registry.failures().empty());
  core::PluginHost host(registry, 0, 1);
  try {
    host.create_attack(parse_spec("throwing_factory"));
    FAIL();
  } catch (const PluginCallError& e) {
    EXPECT_EQ(std::string(e.what()), "attack plugin 'throwing_factory' (" +
                                         (broken("factory_throws") / "defective.so").string() +
                                         "): create failed: deliberate failure in the factory");
  }
}

TEST(BrokenPlugin, ExceptionInsideACallIsReportedNotACrash) {
  core::Registry registry = with_builtins("throws_in_call");
  core::PluginHost host(registry, 0, 1);
  auto attack = host.create_attack(parse_spec("broken_attack"));
  auto classifier = test::tiny_classifier(host, 1);
  test::ImageBatch batch = test::load_cifar(1, 3);
  std::vector<std::uint64_t> seeds(10, 0);
  try {
    attack->perturb(*classifier, {batch.tensor, batch.labels, seeds, nullptr});
    FAIL();
  } catch (const PluginCallError& e) {
    EXPECT_EQ(std::string(e.what()),
              "attack plugin 'broken_attack': perturb failed: deliberate failure inside perturb");
  }
}

TEST(BrokenPlugin, UnknownAndOutOfRangeParametersNameThePluginAndKey) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  try {
    host.create_attack(parse_spec("fgsm:steps=3"));
    FAIL();
  } catch (const ParamError& e) {
    EXPECT_EQ(std::string(e.what()), "attack plugin 'fgsm': unknown parameter 'steps' (known: eps, norm) [" +
                                         std::string(ROZ_TEST_PLUGIN_DIR) + "/white_box_attacks.so]");
  }
  try {
    host.create_corruption(parse_spec("jpeg_compression:quality=101"));
    FAIL();
  } catch (const ParamError& e) {
    EXPECT_EQ(std::string(e.what()),
              "corruption plugin 'jpeg_compression': parameter 'quality': 101 is out of range "
              "[1, 100] [" +
                  std::string(ROZ_TEST_PLUGIN_DIR) + "/imagenet_c.so]");
  }
}

}  // namespace
}  // namespace roz

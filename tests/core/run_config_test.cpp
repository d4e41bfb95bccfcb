// roz run's config and results store: severities expand, limits and roles are read, errors name the
// file and key; a file that is not a results store is a named error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "roz/core/results_store.hpp"
#include "roz/core/run_config.hpp"
#include "roz/error.hpp"

namespace roz {
namespace {

std::string run_config_error(const std::string& yaml) {
  try {
    core::parse_run_config(yaml, "run.yaml");
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

TEST(RunConfig, ExpandsSeveritiesAndReadsRolesAndLimits) {
  core::RunConfig c = core::parse_run_config(R"(
models: [mini_clip, "torchscript:path=a.pt"]
datasets:
  - {name: fashion-mnist, per_class: 10}
  - {name: mnist, role: ood, limit: 50}
corruptions:
  - {name: fog, severities: [1, 3, 5], limit: 20}
  - jpeg_compression:quality=10
attacks:
  - {name: pgd, eps: 1/255, steps: 5, limit: 7}
embeddings: true
bootstrap: 0
device: cuda:1
precision: bf16
)",
                                             "run.yaml");
  EXPECT_EQ(c.device, "cuda:1");
  EXPECT_EQ(core::parse_run_config("models: [mini_clip]\ndatasets: [fashion-mnist]\n", "d.yaml").device, "cpu");
  EXPECT_EQ(c.precision, core::Precision::bf16);
  EXPECT_EQ(core::parse_run_config("models: [mini_clip]\ndatasets: [fashion-mnist]\n", "d.yaml").precision,
            core::Precision::fp32);
  ASSERT_EQ(c.models.size(), 2u);
  EXPECT_EQ(c.models[1].to_string(), "torchscript:path=a.pt");
  ASSERT_EQ(c.datasets.size(), 2u);
  EXPECT_EQ(c.datasets[0].role, "in_distribution");
  EXPECT_EQ(c.datasets[0].per_class, 10u);
  EXPECT_EQ(c.datasets[1].role, "ood");
  EXPECT_EQ(c.datasets[1].limit, 50u);
  EXPECT_EQ(c.datasets[1].in_distribution, "fashion-mnist");  // the run's only in_distribution dataset
  EXPECT_EQ(c.datasets[0].in_distribution, "");
  ASSERT_EQ(c.corruptions.size(), 4u);
  EXPECT_EQ(c.corruptions[0].spec.to_string(), "fog:severity=1");
  EXPECT_EQ(c.corruptions[2].spec.to_string(), "fog:severity=5");
  EXPECT_EQ(c.corruptions[2].limit, 20u);
  EXPECT_EQ(c.corruptions[3].limit, 0u);
  ASSERT_EQ(c.attacks.size(), 1u);
  EXPECT_EQ(c.attacks[0].spec.to_string(), "pgd:eps=1/255,steps=5");
  EXPECT_EQ(c.attacks[0].limit, 7u);
  EXPECT_TRUE(c.embeddings);
  EXPECT_EQ(c.bootstrap, 0);
}

TEST(RunConfig, ErrorsNameTheFileAndKey) {
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [d]\nsead: 1").find("config 'run.yaml': key 'sead': unknown key"),
            std::string::npos);
  EXPECT_NE(run_config_error("datasets: [d]").find("key 'models': at least one model"), std::string::npos);
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [{name: d, role: train}]").find("key 'datasets[0].role'"),
            std::string::npos);
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [{name: d, size: 3}]").find("key 'datasets[0].size': unknown key"),
            std::string::npos);
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [d]\nattacks: [{name: pgd, limit: many}]")
                .find("key 'attacks[0].limit': 'many' is not a valid number"),
            std::string::npos);
  EXPECT_NE(run_config_error("models: [m\n").find("malformed YAML at line"), std::string::npos);
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [d]\nprecision: half")
                .find("key 'precision': precision 'half': not a precision"),
            std::string::npos)
      << run_config_error("models: [m]\ndatasets: [d]\nprecision: half");
}

// Found by the config fuzzer: a list as a key escaped as a yaml-cpp exception (no file named);
// a negative seed or limit wrapped around to 2^64 - 1.
// An OOD set is scored with an in_distribution dataset's head: the config's, or the run's only one.
TEST(RunConfig, EachOodSetNamesTheInDistributionDatasetWhoseHeadScoresIt) {
  const char* two = R"(
models: [m]
datasets:
  - {name: cifar10, role: in_distribution}
  - {name: imagenet, role: in_distribution}
  - {name: svhn, role: ood, in_distribution: cifar10}
  - {name: textures, role: ood, in_distribution: imagenet}
)";
  const core::RunConfig c = core::parse_run_config(two, "run.yaml");
  EXPECT_EQ(c.datasets[2].in_distribution, "cifar10");
  EXPECT_EQ(c.datasets[3].in_distribution, "imagenet");
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [{name: a}, {name: b}, {name: o, role: ood}]")
                .find("key 'datasets[2].in_distribution': the run has several in_distribution datasets: say which "
                      "one's head scores 'o'"),
            std::string::npos);
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [{name: s, role: shift}, {name: o, role: ood}]")
                .find("key 'datasets[1].in_distribution': an ood dataset is scored with the head of an "
                      "in_distribution dataset, and the run has none"),
            std::string::npos);
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [{name: a}, {name: s, role: shift}, {name: o, role: ood, "
                             "in_distribution: s}]")
                .find("key 'datasets[2].in_distribution': 's' is not the name of an in_distribution dataset"),
            std::string::npos);
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [{name: a, in_distribution: a}]")
                .find("key 'datasets[0].in_distribution': names the in_distribution dataset an ood set"),
            std::string::npos);
  // A shift is of the in_distribution dataset it names, else of the run's only one, else of none.
  const core::RunConfig shifts = core::parse_run_config(
      "models: [m]\ndatasets: [{name: a}, {name: b}, {name: s, role: shift, in_distribution: b}, "
      "{name: t, role: shift}]\n",
      "run.yaml");
  EXPECT_EQ(shifts.datasets[2].in_distribution, "b");
  EXPECT_EQ(shifts.datasets[3].in_distribution, "");
  EXPECT_EQ(core::parse_run_config("models: [m]\ndatasets: [{name: a}, {name: s, role: shift}]\n", "run.yaml")
                .datasets[1]
                .in_distribution,
            "a");
  // corruption_input: imagenet_c or nothing.
  EXPECT_EQ(
      core::parse_run_config("models: [m]\ndatasets: [{name: imagenet, corruption_input: imagenet_c}]\n", "run.yaml")
          .datasets[0]
          .corruption_input,
      "imagenet_c");
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [{name: a, corruption_input: cifar_c}]")
                .find("key 'datasets[0].corruption_input': 'cifar_c' is not imagenet_c"),
            std::string::npos);
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [{name: a}, {name: s, role: shift, in_distribution: x}]")
                .find("key 'datasets[1].in_distribution': 'x' is not the name of an in_distribution dataset"),
            std::string::npos);
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [{name: a}, {name: o, role: ood, support_per_class: 5}]")
                .find("key 'datasets[1].support_per_class': an ood dataset is scored with its in_distribution "
                      "dataset's head"),
            std::string::npos);
}

TEST(RunConfig, AListKeyOrANegativeCountIsANamedError) {
  EXPECT_EQ(run_config_error("? [a, b]\n: 1\n"),
            "config 'run.yaml': key '(top level)': a key must be a word, not a list or a map");
  EXPECT_EQ(run_config_error("models: [m]\ndatasets:\n  - {? [x]: 1, name: a}\n"),
            "config 'run.yaml': key 'datasets[0]': a key must be a word, not a list or a map");
  EXPECT_EQ(run_config_error("models: [m]\ndatasets: [d]\nseed: -1\n"),
            "config 'run.yaml': key 'seed': '-1' is not a non-negative number");
  EXPECT_EQ(run_config_error("models: [m]\ndatasets: [{name: d, limit: -5}]\n"),
            "config 'run.yaml': key 'datasets[0].limit': '-5' is not a non-negative number");
}

TEST(RunConfig, ReadsTheOverlapAudit) {
  core::RunConfig c = core::parse_run_config(R"(
models: [mini_clip]
datasets: [fashion-mnist]
overlap: {index: runs/index, model: "pixels:size=16", k: 3, threshold: 0.9, nprobe: 8}
)",
                                             "run.yaml");
  EXPECT_EQ(c.overlap.index, "runs/index");
  EXPECT_EQ(c.overlap.model.to_string(), "pixels:size=16");
  EXPECT_EQ(c.overlap.k, 3);
  EXPECT_EQ(c.overlap.threshold, 0.9);
  EXPECT_FALSE(c.overlap.verify_threshold.has_value()) << "unset: the index's calibration decides";
  EXPECT_EQ(c.overlap.search.nprobe, 8);
  EXPECT_TRUE(core::parse_run_config("models: [m]\ndatasets: [d]", "run.yaml").overlap.index.empty());
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [d]\noverlap: {model: pixels}")
                .find("key 'overlap': expected a map with 'index'"),
            std::string::npos);
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [d]\noverlap: {index: i, verify_threshold: 1.5}")
                .find("key 'overlap.verify_threshold': expected a similarity in [-1, 1]"),
            std::string::npos);
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [d]\noverlap: {index: i, near: 0.95}").find("key 'overlap.near'"),
            std::string::npos)
      << "the thresholds of before calibration are not silently ignored";
  EXPECT_NE(run_config_error("models: [m]\ndatasets: [d]\noverlap: {index: i, nprob: 3}")
                .find("key 'overlap.nprob': unknown key"),
            std::string::npos);
}

TEST(ResultsStore, AFileThatIsNotAStoreIsANamedError) {
  const auto file = std::filesystem::temp_directory_path() / "roz_not_a_store.db";
  std::ofstream(file) << "this is not an SQLite database, just text long enough to have a header page....\n";
  try {
    core::ResultsStore store(file);
    ADD_FAILURE() << "opened a text file as a results store";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace roz

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "roz/core/evaluator.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/protocol.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;

core::EvalOptions options(std::int64_t batch_size) {
  core::EvalOptions o;
  o.model = parse_spec(std::string("torchscript:path=") + ROZ_TEST_TINY_MODEL + ",resolution=32");
  o.dataset = ROZ_TEST_CIFAR_DIR;
  o.corruptions = {parse_spec("jpeg_compression:severity=5")};
  o.attacks = {parse_spec("fgsm:eps=8/255")};
  o.support_per_class = 20;
  o.per_class = 15;
  o.seed = 3;
  o.batch_size = batch_size;
  return o;
}

using test::top1;

TEST(Evaluator, CleanCorruptedAndAttackedConditionsThroughMetricPlugins) {
  core::PluginHost host(test::builtin_registry(), 3, 2);
  core::Results report = core::evaluate(host, options(32));
  ASSERT_EQ(report.conditions.size(), 3u);
  EXPECT_TRUE(report.unfinished.empty());
  EXPECT_EQ(report.conditions[0].info.condition, "clean");
  EXPECT_EQ(report.conditions[1].info.condition, "jpeg_compression:severity=5,variant=auto");
  EXPECT_EQ(report.conditions[2].info.condition, "fgsm:eps=0.03137254901960784,norm=linf");
  for (const auto& c : report.conditions) EXPECT_EQ(c.samples, 150);
  EXPECT_GT(top1(report, 0), 0.18);
  EXPECT_LT(top1(report, 2), top1(report, 0));
  EXPECT_EQ(report.conditions[2].gradient_evaluations, 150);  // one per image
  EXPECT_EQ(report.conditions[0].model_hash.size(), 64u);
  // Each condition records how its images were made; a corruption's severities and an attack's
  // budgets form perturbation groups (embedding stability compares each with the clean embeddings).
  for (const auto& c : report.conditions)
    EXPECT_EQ(c.info.attributes.at(protocol::attribute::preprocessing), "resize 32 bicubic, crop 32");
  EXPECT_EQ(report.conditions[1].info.attributes.at(protocol::attribute::perturbation_group), "jpeg_compression");
  EXPECT_EQ(report.conditions[2].info.attributes.at(protocol::attribute::perturbation_group), "fgsm");
  EXPECT_FALSE(report.conditions[0].info.attributes.count(protocol::attribute::perturbation_group));
  // The bootstrap interval of the run report, from the same records.
  const core::StoredSummary* clean = core::find_value(report, report.conditions[0].id, "top1");
  ASSERT_TRUE(clean->boot_low && clean->boot_high);
  EXPECT_LE(*clean->boot_low, clean->value.value);
  EXPECT_GE(*clean->boot_high, clean->value.value);
  EXPECT_LT(*clean->boot_low, *clean->boot_high);
}

TEST(Evaluator, PromptHeadRunsEndToEnd) {
  core::PluginHost host(test::builtin_registry(), 0, 2);
  core::EvalOptions o = options(32);
  o.support_per_class = 0;
  o.templates = {"a photo of a {}.", "a blurry photo of a {}."};
  core::Results report = core::evaluate(host, o);
  ASSERT_EQ(report.conditions.size(), 3u);
  for (const auto& c : report.conditions) EXPECT_EQ(c.samples, 150);
  // The report's clean top-1 is the accuracy of the prompt head built here from the same model and
  // templates on the same 150 images (the first 15 of each class).
  std::shared_ptr<Model> model = host.create_model(o.model);
  const test::ImageBatch images = test::load_cifar(15);
  const std::unique_ptr<datasets::Dataset> dataset = datasets::open_dataset(ROZ_TEST_CIFAR_DIR, {});
  core::ZeroShotClassifier classifier(
      model, core::ZeroShotHead::from_prompts(*model, PromptSet{dataset->class_names(), o.templates}, 64));
  EXPECT_DOUBLE_EQ(top1(report, 0), test::accuracy(classifier, images.tensor, images.labels));
}

TEST(Evaluator, ResultsDoNotDependOnBatchSizeOrThreads) {
  core::PluginHost one_thread(test::builtin_registry(), 3, 1);
  core::PluginHost two_threads(test::builtin_registry(), 3, 2);
  core::Results a = core::evaluate(one_thread, options(7));
  core::Results b = core::evaluate(two_threads, options(64));
  ASSERT_EQ(a.conditions.size(), 3u);
  ASSERT_EQ(a.conditions.size(), b.conditions.size());
  for (size_t i = 0; i < a.conditions.size(); ++i) EXPECT_DOUBLE_EQ(top1(a, i), top1(b, i));
}

TEST(Evaluator, CorruptAndTruncatedImagesAreSkippedAndNamed) {
  fs::path root = fs::temp_directory_path() / "roz_eval_bad_images";
  fs::remove_all(root);
  for (const char* cls : {"cat", "dog"}) {
    fs::create_directories(root / cls);
    for (int i = 0; i < 4; ++i) {
      char name[16];
      std::snprintf(name, sizeof name, "%04d.jpg", i);
      fs::copy_file(fs::path(ROZ_TEST_CIFAR_DIR) / cls / name, root / cls / name);
    }
  }
  {
    std::ifstream in(fs::path(ROZ_TEST_CIFAR_DIR) / "cat" / "0010.jpg", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(root / "cat" / "truncated.jpg", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    std::ofstream(root / "dog" / "not_an_image.jpg") << "hello";
  }
  core::PluginHost host(test::builtin_registry(), 0, 1);
  core::EvalOptions o = options(4);
  o.dataset = root.string();
  o.support_per_class = 1;
  o.per_class = 0;
  core::Results report = core::evaluate(host, o);
  ASSERT_EQ(report.conditions.size(), 3u);
  for (const auto& c : report.conditions) {
    EXPECT_EQ(c.samples, 6);  // 8 good images minus 2 support
    EXPECT_EQ(c.unreadable, 2) << c.info.condition;  // stored as unreadable, each named in the log
  }
  fs::remove_all(root);
}

// Cancelled before the first batch: the evaluation stops, nothing is computed, and what did not
// finish is reported as such (its store would resume it).
TEST(Evaluator, ACancelledEvaluationStopsAndReportsTheConditionItStopped) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  host.cancellation().cancel();
  const core::Results report = core::evaluate(host, options(8));
  EXPECT_TRUE(report.conditions.empty());
  ASSERT_EQ(report.unfinished.size(), 1u);
  EXPECT_EQ(report.unfinished[0].info.condition, "clean");
  EXPECT_EQ(report.unfinished[0].status, "running");
  EXPECT_EQ(report.unfinished[0].samples, 0);
  EXPECT_TRUE(report.rows.empty());
}

TEST(Evaluator, MissingDatasetIsANamedError) {
  core::PluginHost host(test::builtin_registry(), 0, 1);
  core::EvalOptions o = options(8);
  o.dataset = "/nonexistent/dataset";
  try {
    core::evaluate(host, o);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("dataset '/nonexistent/dataset': not a directory, a manifest file or a known "
                                         "manifest name (known: "),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace roz

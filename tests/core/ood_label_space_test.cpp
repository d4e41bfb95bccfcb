// An OOD set is scored in the label space of its in-distribution dataset: with that dataset's head,
// never its own. Shown with the same images twice: the first 10 CIFAR-10 sample images of each class
// as the in-distribution set, and copied under two unrelated class names as the OOD set.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "roz/core/plugin_host.hpp"
#include "roz/core/report.hpp"
#include "roz/core/results.hpp"
#include "roz/core/results_store.hpp"
#include "roz/core/runner.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/protocol.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;

// OOD/{zebra,violin}/CLASS_FILE: the first `per_class` images of each CIFAR-10 sample class, the
// classes alternating between the two folders. Returns OOD sample id -> in-distribution sample id.
std::map<std::string, std::string> copy_as_ood(const fs::path& ood, std::size_t per_class) {
  std::map<std::string, std::string> same;
  std::vector<fs::path> classes;
  for (const auto& e : fs::directory_iterator(ROZ_TEST_CIFAR_DIR)) classes.push_back(e.path());
  std::sort(classes.begin(), classes.end());
  for (std::size_t c = 0; c < classes.size(); ++c) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(classes[c])) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    const std::string folder = c % 2 ? "violin" : "zebra";
    fs::create_directories(ood / folder);
    for (std::size_t i = 0; i < per_class; ++i) {
      const std::string name = classes[c].filename().string() + "_" + files[i].filename().string();
      fs::copy_file(files[i], ood / folder / name);
      same[folder + "/" + name] = classes[c].filename().string() + "/" + files[i].filename().string();
    }
  }
  return same;
}

std::map<std::string, SampleRecord> records_of(core::ResultsStore& store, const core::StoredCondition& c) {
  std::map<std::string, SampleRecord> out;
  store.records().read(c.id, [&](const SampleRecord& r) { out[r.sample_id] = r; });
  return out;
}

TEST(OodLabelSpace, AnOodSetIsScoredWithItsInDistributionHeadAndHasNoLabels) {
  const fs::path dir = test::fresh_dir("ood_label_space");
  const std::map<std::string, std::string> same = copy_as_ood(dir / "ood", 10);
  core::PluginHost host(test::builtin_registry(), 1, 1);
  core::RunOptions o;
  o.config = core::parse_run_config(
      "models: [mini_clip]\n"
      "datasets:\n"
      "  - {name: '" ROZ_TEST_CIFAR_DIR
      "', role: in_distribution, per_class: 10}\n"
      "  - {name: '" +
          (dir / "ood").string() +
          "', role: ood}\n"
          "metrics: [accuracy, ood_detection]\n"
          "batch_size: 32\n",
      "ood_label_space_test");
  o.out = dir / "run";
  core::run_benchmark(host, o);

  core::ResultsStore store(o.out / "results.db");
  const std::vector<core::StoredCondition> conditions = store.conditions().all();
  ASSERT_EQ(conditions.size(), 2u);
  const core::StoredCondition &id = conditions[0], &ood = conditions[1];
  EXPECT_EQ(ood.info.attributes.at(protocol::attribute::role), protocol::role::ood);
  ASSERT_TRUE(ood.info.attributes.count(protocol::attribute::label_space)) << "scored with its own classes";
  EXPECT_EQ(ood.info.attributes.at(protocol::attribute::label_space), id.info.dataset);
  EXPECT_FALSE(id.info.attributes.count(protocol::attribute::label_space));
  EXPECT_EQ(ood.info.num_classes, 10);  // the in-distribution classes, not the OOD set's 2

  // The same image gets the same logits in both conditions; the OOD records have no label.
  const auto id_records = records_of(store, id), ood_records = records_of(store, ood);
  ASSERT_EQ(id_records.size(), 100u);
  ASSERT_EQ(ood_records.size(), 100u);
  for (const auto& [ood_id, r] : ood_records) {
    EXPECT_EQ(r.label, -1) << ood_id;
    EXPECT_TRUE(r.accepted_labels.empty()) << ood_id;
    const SampleRecord& twin = id_records.at(same.at(ood_id));
    ASSERT_EQ(r.logits.size(), twin.logits.size()) << ood_id;
    for (std::size_t k = 0; k < r.logits.size(); ++k) EXPECT_NEAR(r.logits[k], twin.logits[k], 1e-4) << ood_id;
  }

  // No accuracy for the OOD set; the same confidences on both sides: chance-level detection (within
  // the 1/(2n) that float ties between the twin images can move the AUROC).
  const core::Results results = core::compute_results(host, store, core::stored_report_options(store));
  EXPECT_TRUE(core::find_value(results, id.id, protocol::metric::top1));
  EXPECT_FALSE(core::find_value(results, ood.id, protocol::metric::top1));
  std::size_t detection_rows = 0;
  for (const core::StoredSummary& row : results.rows) {
    if (row.metric.rfind("ood_detection:", 0) != 0 || row.info.dataset != ood.info.dataset) continue;
    ++detection_rows;
    if (row.value.name.rfind("auroc_", 0) == 0) {
      EXPECT_NEAR(row.value.value, 0.5, 0.006) << row.value.name;
    }
  }
  EXPECT_EQ(detection_rows, 16u);  // 4 scores x AUROC, FPR95, AUPR-In, AUPR-Out
  core::write_report(results, dir / "report");
  std::ifstream md(dir / "report" / "report.md");
  const std::string text((std::istreambuf_iterator<char>(md)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("Out-of-distribution set, scored with the head of " + id.info.dataset + " (its 10 classes)"),
            std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace roz

// One result model: `roz eval` is a one-model run. Over the same cells, an evaluation into a
// directory and `roz run` with a written config store the same records and compute the same
// numbers, field for field, in the same JSON layout.
#include <gtest/gtest.h>

#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "roz/core/evaluator.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/report.hpp"
#include "roz/core/results.hpp"
#include "roz/core/results_store.hpp"
#include "roz/core/runner.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Every stored record of every condition, by condition key, as JSON (logits bit for bit).
json stored_records(const fs::path& database) {
  core::ResultsStore store(database);
  json out = json::object();
  for (const core::StoredCondition& c : store.conditions().all()) {
    json records = json::array();
    store.records().read(c.id, [&](const SampleRecord& r) {
      records.push_back({{"id", r.sample_id},
                         {"label", r.label},
                         {"accepted", r.accepted_labels},
                         {"logits", r.logits},
                         {"embedding", r.embedding},
                         {"linf", r.perturbation_linf ? json(*r.perturbation_linf) : json()},
                         {"l2", r.perturbation_l2 ? json(*r.perturbation_l2) : json()},
                         {"metadata", r.metadata}});
    });
    out[c.key] = {{"status", c.status}, {"samples", c.samples}, {"records", records}};
  }
  return out;
}

// report.json without what may differ between two runs of the same cells: the config text and
// where it came from, and the seconds each condition took.
json comparable(const core::Results& results) {
  json j = json::parse(core::json_report(results));
  j.erase("run");
  for (json& c : j["conditions"]) c.erase("seconds");
  return j;
}

TEST(ResultModel, AnEvaluationAndARunOverTheSameCellsStoreAndReportTheSame) {
  const fs::path dir = test::fresh_dir("result_model");
  core::PluginHost host(test::builtin_registry(), 1, 1);

  core::EvalOptions e;
  e.model = parse_spec("mini_clip");
  e.dataset = "fashion-mnist";
  e.limit = 48;
  e.batch_size = 16;
  e.seed = 1;
  e.corruptions = {parse_spec("gaussian_noise:severity=3")};
  e.attacks = {parse_spec("fgsm:eps=2/255")};
  e.out = dir / "eval";
  const core::Results evaluated = core::evaluate(host, e);

  core::RunOptions r;
  r.config = core::parse_run_config(R"(
models: [mini_clip]
datasets: [{name: fashion-mnist, limit: 48}]
corruptions: [gaussian_noise:severity=3]
attacks: [fgsm:eps=2/255]
metrics: [accuracy, attack_success]
seed: 1
batch_size: 16
)",
                                    "result_model_test");
  r.out = dir / "run";
  core::run_benchmark(host, r);
  core::ResultsStore store(r.out / "results.db");
  const core::Results ran = core::compute_results(host, store, core::stored_report_options(store));

  ASSERT_EQ(evaluated.conditions.size(), 3u);
  const json eval_records = stored_records(e.out / "results.db"), run_records = stored_records(r.out / "results.db");
  ASSERT_EQ(eval_records.size(), 3u);
  for (const auto& [key, cell] : eval_records.items()) EXPECT_EQ(cell["records"].size(), 48u) << key;
  EXPECT_EQ(eval_records, run_records);
  EXPECT_EQ(comparable(evaluated), comparable(ran));
  // The numbers are real: the attack lowers the accuracy, the bootstrap brackets it.
  const core::StoredSummary* clean = core::find_value(evaluated, evaluated.conditions[0].id, "top1");
  const core::StoredSummary* fgsm = core::find_value(evaluated, evaluated.conditions[2].id, "top1");
  ASSERT_TRUE(clean && fgsm && clean->boot_low);
  EXPECT_LT(fgsm->value.value, clean->value.value);
  EXPECT_LE(*clean->boot_low, clean->value.value);
  fs::remove_all(dir);
}

// JSON has no infinity: a median minimal budget most points never reached is written as "inf",
// where nlohmann::json would write null.
TEST(ResultModel, ANonFiniteValueIsWrittenAsAStringInReportJson) {
  core::Results d;
  core::StoredCondition c;
  c.id = 1;
  c.info.condition = "min_eps";
  d.conditions.push_back(c);
  for (double v : {std::numeric_limits<double>::infinity(), 0.5}) {
    core::StoredSummary row;
    row.scope = "condition";
    row.condition_id = 1;
    row.value = {v > 1 ? "median_min_eps" : "robust_accuracy", v, Unit::number, {}, {}};
    d.rows.push_back(row);
  }
  const json j = json::parse(core::json_report(d));
  EXPECT_EQ(j["conditions"][0]["metrics"]["median_min_eps"]["value"], "inf");
  EXPECT_EQ(j["conditions"][0]["metrics"]["robust_accuracy"]["value"], 0.5);
}

}  // namespace
}  // namespace roz

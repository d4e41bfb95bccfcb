#include "roz/core/runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>

#include "roz/core/condition_pipeline.hpp"
#include "roz/core/head_cache.hpp"
#include "roz/core/overlap_audit.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/progress.hpp"
#include "roz/core/results_store.hpp"
#include "roz/core/zero_shot_head.hpp"
#include "run/store_lock.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/overlap/index_manifest.hpp"

namespace roz::core {

namespace {

using datasets::SampleInfo;

// One grid cell before anything is created: the resolved specs that identify it.
struct Cell {
  std::size_t model = 0, dataset = 0;
  std::string kind;       // clean | corruption | attack
  Spec spec;              // the corruption or attack
  std::string condition;  // resolved spec ("clean" for clean)
  std::size_t limit = 0;
};

// Corruption entries with name `all` become one entry per installed plugin that has a severity
// parameter (the ImageNet-C family), keeping the entry's other keys.
std::vector<RunCondition> expand_all(const Registry& registry, const std::vector<RunCondition>& entries) {
  std::vector<std::string> family;
  for (const auto& plugin : registry.plugins()) {
    const PluginDescriptor& d = *plugin.descriptor;
    if (d.kind == PluginKind::corruption &&
        std::any_of(d.params.begin(), d.params.end(), [](const ParamSpec& p) { return p.name == "severity"; }))
      family.push_back(d.name);
  }
  std::sort(family.begin(), family.end());
  // Consecutive `all` entries (one config item's severities) expand corruption by corruption.
  std::vector<RunCondition> out;
  for (std::size_t i = 0; i < entries.size();) {
    if (entries[i].spec.name != "all") {
      out.push_back(entries[i++]);
      continue;
    }
    std::size_t end = i;
    while (end < entries.size() && entries[end].spec.name == "all") ++end;
    for (const std::string& name : family)
      for (std::size_t j = i; j < end; ++j) {
        RunCondition named = entries[j];
        named.spec.name = name;
        out.push_back(named);
      }
    i = end;
  }
  return out;
}

std::vector<SampleInfo> evaluated_samples(const datasets::Dataset& dataset, const RunDataset& d) {
  std::vector<SampleInfo> samples = dataset.samples();
  if (d.per_class > 0) samples = datasets::split_per_class(samples, d.per_class).first;
  if (d.limit > 0 && samples.size() > d.limit) samples.resize(d.limit);
  if (samples.empty()) throw DataError("dataset '" + d.name + "': no images to evaluate");
  return samples;
}

// A model loaded with its head for one dataset, kept while consecutive cells use it.
struct Session {
  std::size_t model = SIZE_MAX, dataset = SIZE_MAX;
  std::shared_ptr<Model> loaded;
  std::string model_hash, model_version, model_key;
  std::shared_ptr<ZeroShotClassifier> classifier;
  PromptSet prompts;
};

}  // namespace

std::filesystem::path shard_database(const std::filesystem::path& out, int shard, int shards) {
  if (shards <= 1) return out / "results.db";
  return out / ("results.shard-" + std::to_string(shard) + "-of-" + std::to_string(shards) + ".db");
}

RunResult run_benchmark(PluginHost& host, const RunOptions& o) {
  const RunConfig& config = o.config;
  if (o.shards < 1 || o.shard < 0 || o.shard >= o.shards)
    throw Error("--shard " + std::to_string(o.shard) + "/" + std::to_string(o.shards) +
                ": expected I/N with 0 <= I < N");

  // Resolve everything first: a bad spec or a missing dataset fails before any work.
  std::vector<ResolvedPlugin> models;
  for (const Spec& s : config.models) models.push_back(host.resolve(PluginKind::model, s));
  std::vector<std::unique_ptr<datasets::Dataset>> datasets;
  std::vector<std::vector<SampleInfo>> samples;
  for (const RunDataset& d : config.datasets) {
    datasets.push_back(datasets::open_dataset(d.name, dataset_manifest_dirs()));
    samples.push_back(evaluated_samples(*datasets.back(), d));
  }
  for (const Spec& s : config.metrics) host.resolve(PluginKind::metric, s);
  std::optional<ResolvedPlugin> overlap_model;
  if (!config.overlap.index.empty()) {
    overlap::read_manifest(config.overlap.index);  // exists and is an index
    overlap_model = host.resolve(PluginKind::model, config.overlap.model);
  }
  std::vector<Cell> cells;
  const std::vector<RunCondition> corruptions = expand_all(host.registry(), config.corruptions);
  for (std::size_t m = 0; m < models.size(); ++m)
    for (std::size_t d = 0; d < config.datasets.size(); ++d) {
      cells.push_back({m, d, "clean", {}, "clean", 0});
      if (config.datasets[d].role != "in_distribution") continue;
      for (const RunCondition& c : corruptions)
        cells.push_back({m, d, "corruption", c.spec, host.resolve(PluginKind::corruption, c.spec).spec, c.limit});
      for (const RunCondition& c : config.attacks)
        cells.push_back({m, d, "attack", c.spec, host.resolve(PluginKind::attack, c.spec).spec, c.limit});
    }

  std::filesystem::create_directories(o.out);
  RunResult result;
  result.database = shard_database(o.out, o.shard, o.shards);
  const StoreLock lock(result.database);  // before the store is opened: one writer at a time
  ResultsStore store(result.database);
  if (std::optional<std::string> stored = store.meta("config")) {
    if (!o.resume)
      throw Error("'" + result.database.string() +
                  "' already holds a run: add --resume to continue it, or choose another --out");
    store.check_integrity();  // before computing anything more into it
    if (*stored != config.text)
      throw Error("--resume: '" + config.source + "' differs from the config '" + result.database.string() +
                  "' was started with");
  } else {
    store.set_meta("config", config.text);
    store.set_meta("config_source", config.source);
    store.set_meta("seed", std::to_string(config.seed));
    store.set_meta("shard", std::to_string(o.shard) + "/" + std::to_string(o.shards));
    store.set_meta("roz_version", ROZ_VERSION);
    store.set_meta("precision", to_string(host.precision()));
  }
  // Records of one run are all computed at one precision; the device may change between sessions.
  const std::string precision = store.meta("precision").value_or("fp32");
  if (precision != to_string(host.precision()))
    throw Error("--resume: '" + result.database.string() + "' was computed at precision " + precision + ", not " +
                to_string(host.precision()));
  store.set_meta("device", host.device().str());

  std::set<std::string> finished;  // keys of the cells an earlier run completed
  for (const StoredCondition& c : store.conditions())
    if (c.status == "done") finished.insert(c.key);

  Session session;
  Progress progress(o.progress_bar);
  int index = -1, position = 0;
  int in_shard = 0;
  for (std::size_t i = 0; i < cells.size(); ++i) in_shard += static_cast<int>(i % o.shards) == o.shard;
  for (const Cell& cell : cells) {
    if (++index % o.shards != o.shard) continue;
    ++result.cells;
    ++position;
    const RunDataset& d = config.datasets[cell.dataset];
    const datasets::Dataset& dataset = *datasets[cell.dataset];
    StoredCondition wanted;
    wanted.cell = index;
    wanted.key = models[cell.model].spec + "\n" + dataset.name() + "\n" + cell.condition;
    const std::string stage =
        "[" + std::to_string(position) + "/" + std::to_string(in_shard) + "] " + dataset.name() + " " + cell.condition;
    // A finished cell is never recomputed (nor its model loaded).
    if (finished.count(wanted.key)) {
      ++result.reused;
      spdlog::info("{}: finished earlier, kept", stage);
      continue;
    }

    if (session.model != cell.model) {
      session = Session{};
      session.model = cell.model;
      session.loaded = host.create_model(models[cell.model]);
      session.model_hash = session.loaded->content_hash();
      session.model_version = models[cell.model].descriptor().version;
      session.model_key = head_cache_key(models[cell.model], session.model_hash, host.precision());
    }
    if (session.dataset != cell.dataset) {
      session.dataset = cell.dataset;
      session.prompts = dataset_prompts(dataset, config.templates);
      session.classifier = std::make_shared<ZeroShotClassifier>(
          session.loaded, HeadCache(o.cache_dir).prompt_head(*session.loaded, session.model_key, session.prompts, 256));
    }

    ConditionInfo base;
    base.model = models[cell.model].spec;
    base.dataset = dataset.name();
    base.num_classes = static_cast<std::int64_t>(dataset.class_names().size());
    base.attributes["role"] = d.role;
    base.attributes["logit_scale"] = format_number(session.classifier->head().logit_scale());
    Condition condition = cell.kind == "clean"        ? clean_condition(base)
                          : cell.kind == "corruption" ? corruption_condition(host, cell.spec, base)
                                                      : attack_condition(host, cell.spec, base, true);
    condition.info.attributes["label"] = cell.kind == "clean" ? "clean" : cell.spec.to_string();  // as written
    wanted.info = condition.info;
    wanted.model_hash = session.model_hash;
    wanted.model_version = session.model_version;
    wanted.plugin_version = condition.plugin_version;
    StoredCondition stored = store.open_condition(wanted);

    std::vector<SampleInfo> cell_samples = samples[cell.dataset];
    if (cell.limit > 0 && cell_samples.size() > cell.limit) cell_samples.resize(cell.limit);
    const std::set<std::string> recorded = store.recorded_samples(stored.id);
    std::vector<SampleInfo> remaining;
    for (const SampleInfo& s : cell_samples)
      if (!recorded.count(s.id)) remaining.push_back(s);
    if (!recorded.empty())
      spdlog::info("{}: resuming, {} of {} images stored", stage, recorded.size(), cell_samples.size());

    PipelineSettings settings{config.seed, config.batch_size, 1, config.prompt_attack_points, config.embeddings};
    ConditionPipeline pipeline(host, dataset, session.loaded, session.classifier, session.prompts, settings,
                               [](const std::string& message) { spdlog::warn("skipping {}", message); });
    std::optional<PromptAttackSummary> prompt_attack;
    std::size_t done = recorded.size();
    progress.start(stage, cell_samples.size(), done);
    auto last = std::chrono::steady_clock::now();
    pipeline.run(
        condition, remaining, cell_samples,
        [&](BatchOutcome& batch) {
          const auto now = std::chrono::steady_clock::now();
          store.add_batch(stored.id, batch, std::chrono::duration<double>(now - last).count());
          last = now;
          done += batch.records.size() + batch.skipped.size() + batch.unreadable.size();
          progress.update(done);
        },
        &prompt_attack);
    store.finish_condition(stored.id, prompt_attack);
    progress.finish();
    ++result.ran;
  }

  // The contamination audit (in shard 0 of a sharded run): every in-distribution and shift dataset
  // against the index; an audit stored with the same index, model and images is kept on resume.
  if (overlap_model && o.shard == 0) {
    const RunOverlap& ov = config.overlap;
    std::shared_ptr<Model> model;
    for (std::size_t d = 0; d < datasets.size(); ++d) {
      if (config.datasets[d].role == "ood") continue;
      const std::string index_dir =
          std::filesystem::absolute(overlap::index_directory(ov.index)).lexically_normal().string();
      const std::vector<OverlapAudit> stored = store.overlap_audits();
      if (std::any_of(stored.begin(), stored.end(), [&](const OverlapAudit& a) {
            return a.dataset == datasets[d]->name() && a.index == index_dir && a.model == overlap_model->spec &&
                   a.k == ov.k && a.samples == static_cast<std::int64_t>(samples[d].size());
          })) {
        spdlog::info("overlap audit of {}: finished earlier, kept", datasets[d]->name());
        continue;
      }
      if (!model) model = host.create_model(*overlap_model);
      AuditSettings settings{ov.index, ov.k, ov.thresholds, ov.search, config.batch_size, ov.pairs};
      AuditQueries queries{datasets[d].get(), samples[d], model, overlap_model->spec};
      const AuditResult r = audit_overlap(host, settings, &queries, &store, nullptr);
      spdlog::info("overlap audit of {}: {} images, {} exact and {} near duplicates in '{}'", r.audit.dataset,
                   r.audit.samples, r.exact, r.near, r.audit.index);
    }
  }
  return result;
}

}  // namespace roz::core

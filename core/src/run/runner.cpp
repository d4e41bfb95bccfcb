#include "roz/core/runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <map>
#include <memory>
#include <set>

#include <ATen/ATen.h>

#include "roz/core/batch_loader.hpp"
#include "roz/core/class_match.hpp"
#include "roz/core/condition_pipeline.hpp"
#include "roz/core/dataset_lookup.hpp"
#include "roz/core/guard.hpp"
#include "roz/core/head_cache.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/core/label_set_classifier.hpp"
#include "roz/core/overlap_audit.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/progress.hpp"
#include "roz/core/results_store.hpp"
#include "roz/core/zero_shot_head.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/overlap/index_manifest.hpp"
#include "roz/protocol.hpp"
#include "run/store_lock.hpp"

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

// "attributes that differ (K: stored 'a', now 'b'; ...)" for a resumed condition.
std::string differences(const std::map<std::string, std::string>& stored,
                        const std::map<std::string, std::string>& now) {
  std::set<std::string> keys;
  for (const auto& [k, v] : stored) keys.insert(k);
  for (const auto& [k, v] : now) keys.insert(k);
  std::string out;
  for (const std::string& k : keys) {
    const auto a = stored.find(k), b = now.find(k);
    const std::string was = a == stored.end() ? "none" : "'" + a->second + "'";
    const std::string is = b == now.end() ? "none" : "'" + b->second + "'";
    if (was != is) out += (out.empty() ? "" : "; ") + k + ": stored " + was + ", now " + is;
  }
  return "other attributes (" + out + ")";
}

// Corruption entries with name `all` become one entry per installed plugin that has a severity
// parameter (the ImageNet-C family), keeping the entry's other keys.
std::vector<RunCondition> expand_all(const Registry& registry, const std::vector<RunCondition>& entries) {
  std::vector<std::string> family;
  for (const auto& plugin : registry.plugins()) {
    const PluginDescriptor& d = *plugin.descriptor;
    if (d.kind == PluginKind::corruption && std::any_of(d.params.begin(), d.params.end(), [](const ParamSpec& p) {
          return p.name == protocol::parameter::severity;
        }))
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

// The images a prototype head is built from: the first support_per_class of each class.
std::vector<SampleInfo> support_samples(const datasets::Dataset& dataset, const RunDataset& d) {
  if (d.support_per_class == 0) return {};
  return datasets::split_per_class(dataset.samples(), d.support_per_class).first;
}

// The support images are never evaluated.
std::vector<SampleInfo> evaluated_samples(const datasets::Dataset& dataset, const RunDataset& d) {
  std::vector<SampleInfo> samples = d.support_per_class > 0
                                        ? datasets::split_per_class(dataset.samples(), d.support_per_class).rest
                                        : dataset.samples();
  if (d.per_class > 0) samples = datasets::split_per_class(samples, d.per_class).first;
  if (d.limit > 0 && samples.size() > d.limit) samples.resize(d.limit);
  if (samples.empty()) throw DataError("dataset '" + d.name + "': no images to evaluate");
  return samples;
}

// How ImageNet-C's images were made before corrupting (hendrycks/robustness, ImageNet-C/create_c:
// torchvision's Resize(256) + CenterCrop(224) of the PIL image, bilinear by default).
constexpr Preprocessing kImageNetCInput{.resolution = 224, .resize = 256, .interpolation = Interpolation::bilinear};

std::string join_numbers(const std::vector<std::int64_t>& values) {
  std::string out;
  for (std::int64_t v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}

// The in-distribution head column of each class of `shift`: by position in the class file both took
// their names from (CLIP's ImageNet names hold twins), else by name. Empty when some class is not
// among the in-distribution classes (or is ambiguous there).
std::vector<std::int64_t> id_columns(const datasets::Dataset& shift, const datasets::Dataset& id) {
  const ClassMatch m = match_classes({shift.class_names(), shift.class_source(), shift.class_source_indices()},
                                     {id.class_names(), id.class_source(), id.class_source_indices()});
  return m.complete() ? m.columns : std::vector<std::int64_t>{};
}

// A model loaded with the head over one dataset's classes, kept while consecutive cells use it.
struct Session {
  std::size_t model = SIZE_MAX, head_dataset = SIZE_MAX;
  std::shared_ptr<Model> loaded;
  std::string model_hash, model_version, model_key;
  bool image_classifier = false;           // a fixed label set: its logits restricted to the dataset's classes
  std::shared_ptr<Classifier> classifier;  // ZeroShotClassifier or LabelSetClassifier
  std::string head;                        // protocol::head: how `classifier` scores
  PromptSet prompts;
};

}  // namespace

std::filesystem::path shard_database(const std::filesystem::path& out, int shard, int shards) {
  if (shards <= 1) return out / "results.db";
  return out / ("results.shard-" + std::to_string(shard) + "-of-" + std::to_string(shards) + ".db");
}

namespace {

// One `roz run` in steps: resolve the grid (every spec and dataset, before any work), open the
// store (a new run, or a resume checked against it), run this shard's cells, then the audit.
class BenchmarkRun {
 public:
  BenchmarkRun(PluginHost& host, const RunOptions& o) : host_(host), o_(o), config_(o.config) {
    if (o.shards < 1 || o.shard < 0 || o.shard >= o.shards)
      throw Error("--shard " + std::to_string(o.shard) + "/" + std::to_string(o.shards) +
                  ": expected I/N with 0 <= I < N");
  }

  RunResult run() {
    resolve();
    std::filesystem::create_directories(o_.out);
    result_.database = shard_database(o_.out, o_.shard, o_.shards);
    const StoreLock lock(result_.database);  // before the store is opened: one writer at a time
    ResultsStore store(result_.database);
    open_run(store);
    run_cells(store);
    // The contamination audit runs in shard 0 of a sharded run.
    if (overlap_model_ && o_.shard == 0) audit(store);
    return result_;
  }

 private:
  void resolve() {
    for (const Spec& s : config_.models) models_.push_back(host_.resolve(PluginKind::model, s));
    for (std::size_t i = 0; i < config_.datasets.size(); ++i) {
      const RunDataset& d = config_.datasets[i];
      datasets_.push_back(datasets::open_dataset(d.name, dataset_manifest_dirs()));
      samples_.push_back(evaluated_samples(*datasets_.back(), d));
      head_dataset_.push_back(head_dataset(i));
      // An OOD set is scored in its in-distribution dataset's label space, where its own labels name
      // no class: its records are unlabelled (roz/support/metrics/accepted_labels.hpp).
      if (head_dataset_.back() != i)
        for (SampleInfo& s : samples_.back()) {
          s.label = -1;
          s.accepted.clear();
        }
    }
    for (std::size_t i = 0; i < config_.datasets.size(); ++i) shift_attributes_.push_back(shift_attributes(i));
    for (const Spec& s : config_.metrics) host_.resolve(PluginKind::metric, s);
    if (!config_.overlap.index.empty()) {
      overlap::read_manifest(config_.overlap.index);  // exists and is an index
      overlap_model_ = host_.resolve(PluginKind::model, config_.overlap.model);
    }
    const std::vector<RunCondition> corruptions = expand_all(host_.registry(), config_.corruptions);
    for (std::size_t m = 0; m < models_.size(); ++m)
      for (std::size_t d = 0; d < config_.datasets.size(); ++d) {
        cells_.push_back({m, d, protocol::kind::clean, {}, protocol::kind::clean, 0});
        if (config_.datasets[d].role != protocol::role::in_distribution) continue;
        for (const RunCondition& c : corruptions)
          cells_.push_back(
              {m, d, protocol::kind::corruption, c.spec, host_.resolve(PluginKind::corruption, c.spec).spec, c.limit});
        for (const RunCondition& c : config_.attacks)
          cells_.push_back(
              {m, d, protocol::kind::attack, c.spec, host_.resolve(PluginKind::attack, c.spec).spec, c.limit});
      }
  }

  // What effective robustness needs of a shift dataset (protocol.hpp): the in_distribution dataset it is
  // a shift of, its classes' columns there unless they are the same classes, its class groups.
  std::map<std::string, std::string> shift_attributes(std::size_t d) const {
    const RunDataset& shift = config_.datasets[d];
    std::map<std::string, std::string> out;
    if (shift.role != protocol::role::shift) return out;
    if (!datasets_[d]->class_groups().empty())
      out[protocol::attribute::class_groups] = join_numbers(datasets_[d]->class_groups());
    if (shift.in_distribution.empty()) return out;
    out[protocol::attribute::in_distribution] = shift.in_distribution;
    for (std::size_t i = 0; i < config_.datasets.size(); ++i) {
      if (config_.datasets[i].name != shift.in_distribution) continue;
      if (datasets_[i]->class_names() == datasets_[d]->class_names()) return out;
      const std::vector<std::int64_t> columns = id_columns(*datasets_[d], *datasets_[i]);
      if (columns.empty())
        spdlog::warn(
            "shift '{}': some of its classes are not classes of '{}': effective robustness compares it "
            "with '{}''s accuracy over all its classes",
            shift.name, shift.in_distribution, shift.in_distribution);
      else
        out[protocol::attribute::id_classes] = join_numbers(columns);
    }
    return out;
  }

  // The dataset whose head scores dataset `d`'s images: an OOD set's in_distribution dataset (named
  // by parse_run_config), else `d` itself.
  std::size_t head_dataset(std::size_t d) const {
    const std::vector<RunDataset>& all = config_.datasets;
    if (all[d].role != protocol::role::ood) return d;
    for (std::size_t i = 0; i < all.size(); ++i)
      if (all[i].role == protocol::role::in_distribution && all[i].name == all[d].in_distribution) return i;
    throw Error("dataset '" + all[d].name + "': no in_distribution dataset '" + all[d].in_distribution +
                "' in the run");
  }

  // A new store records the run's config; a resumed one must hold the same config and precision.
  void open_run(ResultsStore& store) {
    const std::string db = result_.database.string();
    if (std::optional<std::string> stored = store.meta("config")) {
      if (!o_.resume)
        throw Error("'" + db + "' already holds a run: add --resume to continue it, or choose another --out");
      store.check_integrity();  // before computing anything more into it
      if (*stored != config_.text)
        throw Error("--resume: '" + config_.source + "' differs from the config '" + db + "' was started with");
    } else {
      store.set_meta("config", config_.text);
      store.set_meta("config_source", config_.source);
      store.set_meta("seed", std::to_string(config_.seed));
      store.set_meta("shard", std::to_string(o_.shard) + "/" + std::to_string(o_.shards));
      store.set_meta("roz_version", ROZ_VERSION);
      store.set_meta("precision", to_string(host_.precision()));
    }
    // Records of one run are all computed at one precision; the device may change between sessions.
    const std::string precision = store.meta("precision").value_or("fp32");
    if (precision != to_string(host_.precision()))
      throw Error("--resume: '" + db + "' was computed at precision " + precision + ", not " +
                  to_string(host_.precision()));
    store.set_meta("device", host_.device().str());
  }

  void run_cells(ResultsStore& store) {
    std::set<std::string> finished;  // keys of the cells an earlier run completed
    for (const StoredCondition& c : store.conditions().all())
      if (c.status == "done") finished.insert(c.key);
    int in_shard = 0, position = 0;
    for (std::size_t i = 0; i < cells_.size(); ++i) in_shard += static_cast<int>(i % o_.shards) == o_.shard;
    for (std::size_t index = 0; index < cells_.size(); ++index) {
      if (static_cast<int>(index % o_.shards) != o_.shard) continue;
      ++result_.cells;
      const Cell& cell = cells_[index];
      const std::string key = models_[cell.model].spec + "\n" + datasets_[cell.dataset]->name() + "\n" + cell.condition;
      const std::string stage = "[" + std::to_string(++position) + "/" + std::to_string(in_shard) + "] " +
                                datasets_[cell.dataset]->name() + " " + cell.condition;
      // A finished cell is never recomputed (nor its model loaded).
      if (finished.count(key)) {
        ++result_.reused;
        spdlog::info("{}: finished earlier, kept", stage);
        continue;
      }
      run_guarded(store, cell, static_cast<std::int64_t>(index), key, stage);
    }
  }

  // A cell that throws is stored as failed with the reason (an interrupted one stays running, to
  // be resumed); with keep_going the next cell runs.
  void run_guarded(ResultsStore& store, const Cell& cell, std::int64_t index, const std::string& key,
                   const std::string& stage) {
    std::int64_t id = 0;
    try {
      if (run_cell(store, cell, index, key, stage, id)) ++result_.ran;
    } catch (const std::exception& e) {
      if (id == 0 || host_.cancellation().cancelled()) throw;
      const std::string message = error_message(e);
      store.conditions().fail(id, message);
      if (!o_.keep_going) throw;
      spdlog::error("{}: {}", stage, message);
      ++result_.failed;
    }
  }

  // Loads the cell's model and the head its dataset is scored with unless the previous cell had them.
  void prepare_session(const Cell& cell) {
    if (session_.model != cell.model) {
      session_ = Session{};
      session_.model = cell.model;
      session_.loaded = host_.create_model(models_[cell.model]);
      session_.image_classifier = !session_.loaded->class_names().empty();
      session_.model_hash = session_.loaded->content_hash();
      session_.model_version = models_[cell.model].descriptor().version;
      session_.model_key = head_cache_key(models_[cell.model], session_.model_hash, host_.precision());
    }
    const std::size_t d = head_dataset_[cell.dataset];
    if (session_.head_dataset != d) {
      session_.head_dataset = d;
      session_.prompts = dataset_prompts(*datasets_[d], config_.templates);
      if (session_.image_classifier) {
        if (config_.datasets[d].support_per_class > 0)
          throw Error(models_[cell.model].label + " is an image classifier (its own label set): dataset '" +
                      config_.datasets[d].name + "' asks for a head of support images (drop support_per_class)");
        // imagenet-testbed's protocol: the logits of the dataset's classes (LabelSetClassifier).
        session_.classifier =
            std::make_shared<LabelSetClassifier>(session_.loaded, session_.prompts.class_names,
                                                 datasets_[d]->class_source(), datasets_[d]->class_source_indices());
        session_.head = protocol::head::label_set;
      } else {
        session_.classifier = std::make_shared<ZeroShotClassifier>(session_.loaded, head(d));
        session_.head =
            config_.datasets[d].support_per_class > 0 ? protocol::head::support_images : protocol::head::prompts;
      }
    }
  }

  // The prompt ensemble over the dataset's classes, or the prototypes of its support images.
  ZeroShotHead head(std::size_t d) {
    if (config_.datasets[d].support_per_class == 0)
      return HeadCache(o_.cache_dir).prompt_head(*session_.loaded, session_.model_key, session_.prompts, 256);
    const datasets::Dataset& dataset = *datasets_[d];
    std::vector<cv::Mat> images;
    std::vector<std::int64_t> labels;
    BatchLoader loader(dataset, support_samples(dataset, config_.datasets[d]), session_.loaded->preprocessing(),
                       static_cast<std::size_t>(config_.batch_size), std::max(1, o_.decode_threads),
                       [](const std::string& message) { spdlog::warn("skipping {}", message); });
    for (LoadedBatch batch; loader.next(batch);) {
      for (const SampleInfo& s : batch.samples) labels.push_back(s.label);
      std::move(batch.images.begin(), batch.images.end(), std::back_inserter(images));
    }
    if (images.empty()) throw DataError("dataset '" + config_.datasets[d].name + "': no readable support image");
    return ZeroShotHead::from_support_images(
        *session_.loaded, to_tensor(images).to(host_.device()), at::tensor(labels, at::kLong),
        static_cast<std::int64_t>(dataset.class_names().size()), config_.batch_size);
  }

  Condition make_condition(const Cell& cell) {
    const datasets::Dataset& dataset = *datasets_[cell.dataset];
    const datasets::Dataset& label_space = *datasets_[head_dataset_[cell.dataset]];
    ConditionInfo base;
    base.model = models_[cell.model].spec;
    base.dataset = dataset.name();
    base.num_classes = static_cast<std::int64_t>(label_space.class_names().size());
    base.attributes[protocol::attribute::role] = config_.datasets[cell.dataset].role;
    if (&label_space != &dataset) base.attributes[protocol::attribute::label_space] = label_space.name();
    base.attributes[protocol::attribute::head] = session_.head;
    if (auto* zero_shot = dynamic_cast<const ZeroShotClassifier*>(session_.classifier.get()))
      base.attributes[protocol::attribute::logit_scale] = format_number(zero_shot->head().logit_scale());
    base.attributes[protocol::attribute::preprocessing] = describe(session_.loaded->preprocessing());
    base.attributes.insert(shift_attributes_[cell.dataset].begin(), shift_attributes_[cell.dataset].end());
    if (cell.kind == protocol::kind::corruption && !config_.datasets[cell.dataset].corruption_input.empty())
      base.attributes[protocol::attribute::corruption_input] = config_.datasets[cell.dataset].corruption_input;
    Condition condition =
        cell.kind == protocol::kind::clean ? clean_condition(base)
        : cell.kind == protocol::kind::corruption
            ? corruption_condition(host_, cell.spec, base)
            : attack_condition(host_, cell.spec, base, config_.datasets[cell.dataset].support_per_class == 0);
    condition.info.attributes[protocol::attribute::label] =
        cell.kind == protocol::kind::clean ? protocol::kind::clean : cell.spec.to_string();  // as written
    return condition;
  }

  // The cell's samples not stored yet, through the pipeline, batch by batch into the store. False
  // when the cell does not apply to the model (nothing stored).
  bool run_cell(ResultsStore& store, const Cell& cell, std::int64_t index, const std::string& key,
                const std::string& stage, std::int64_t& id) {
    prepare_session(cell);
    Condition condition = make_condition(cell);
    // An image classifier has no prompts: a text attack does not apply to it (a multimodal one
    // would perturb the images against attacked prompts it cannot have).
    if (session_.image_classifier && condition.attacks_prompts) {
      spdlog::info("{}: not applicable to an image classifier (it has no class prompts)", stage);
      ++result_.not_applicable;
      return false;
    }
    StoredCondition wanted;
    wanted.cell = index;
    wanted.key = key;
    wanted.info = condition.info;
    wanted.model_hash = session_.model_hash;
    wanted.model_version = session_.model_version;
    wanted.plugin_version = condition.plugin_version;
    const StoredCondition stored = store.conditions().open(wanted);
    id = stored.id;
    // Records of a resumed condition were computed by an earlier roz: the same model file and the
    // same condition (its preprocessing included), or the records would mix two measurements.
    if (stored.model_hash != wanted.model_hash || stored.info.attributes != wanted.info.attributes)
      throw Error("--resume: " + stage + " was started with " +
                  (stored.model_hash != wanted.model_hash
                       ? "another model file (SHA-256 " + stored.model_hash + ")"
                       : differences(stored.info.attributes, wanted.info.attributes)) +
                  ": finish it with that roz and model, or start another --out");

    std::vector<SampleInfo> cell_samples = samples_[cell.dataset];
    if (cell.limit > 0 && cell_samples.size() > cell.limit) cell_samples.resize(cell.limit);
    const std::set<std::string> recorded = store.records().sample_ids(stored.id);
    std::vector<SampleInfo> remaining;
    for (const SampleInfo& s : cell_samples)
      if (!recorded.count(s.id)) remaining.push_back(s);
    if (!recorded.empty())
      spdlog::info("{}: resuming, {} of {} images stored", stage, recorded.size(), cell_samples.size());

    PipelineSettings settings{config_.seed,
                              config_.batch_size,
                              o_.decode_threads,
                              config_.prompt_attack_points,
                              config_.embeddings,
                              config_.datasets[cell.dataset].corruption_input == protocol::corruption_input::imagenet_c
                                  ? std::optional<Preprocessing>(kImageNetCInput)
                                  : std::nullopt};
    ConditionPipeline pipeline(host_, *datasets_[cell.dataset], session_.loaded, session_.classifier, session_.prompts,
                               settings, [](const std::string& message) { spdlog::warn("skipping {}", message); });
    std::optional<PromptAttackSummary> prompt_attack;
    std::size_t done = recorded.size();
    progress_.start(stage, cell_samples.size(), done);
    auto last = std::chrono::steady_clock::now();
    pipeline.run(
        condition, remaining, cell_samples,
        [&](BatchOutcome& batch) {
          const auto now = std::chrono::steady_clock::now();
          store.add_batch(stored.id, batch, std::chrono::duration<double>(now - last).count());
          last = now;
          done += batch.records.size() + batch.skipped.size() + batch.unreadable.size();
          progress_.update(done);
        },
        &prompt_attack);
    store.conditions().finish(stored.id, prompt_attack);
    progress_.finish();
    return true;
  }

  // Every in-distribution and shift dataset against the index; an audit stored with the same
  // index, model and images is kept on resume.
  void audit(ResultsStore& store) {
    const RunOverlap& ov = config_.overlap;
    const std::string index_dir =
        std::filesystem::absolute(overlap::index_directory(ov.index)).lexically_normal().string();
    std::shared_ptr<Model> model;
    for (std::size_t d = 0; d < datasets_.size(); ++d) {
      if (config_.datasets[d].role == protocol::role::ood) continue;
      const std::vector<OverlapAudit> stored = store.audits().all();
      if (std::any_of(stored.begin(), stored.end(), [&](const OverlapAudit& a) {
            return a.dataset == datasets_[d]->name() && a.index == index_dir && a.model == overlap_model_->spec &&
                   a.k == ov.k && a.samples == static_cast<std::int64_t>(samples_[d].size());
          })) {
        spdlog::info("overlap audit of {}: finished earlier, kept", datasets_[d]->name());
        continue;
      }
      if (!model) model = host_.create_model(*overlap_model_);
      AuditSettings settings;
      settings.index = ov.index;
      settings.k = ov.k;
      settings.threshold = ov.threshold;
      settings.verify_threshold = ov.verify_threshold;
      settings.search = ov.search;
      settings.batch_size = config_.batch_size;
      settings.pairs = ov.pairs;
      AuditQueries queries{datasets_[d].get(), samples_[d], model, overlap_model_->spec};
      const AuditResult r = audit_overlap(host_, settings, &queries, &store, nullptr);
      spdlog::info("overlap audit of {}: {} images, {} copies verified and {} by embedding alone in '{}'",
                   r.audit.dataset, r.audit.samples, r.counts.verified, r.counts.embedding, r.audit.index);
    }
  }

  PluginHost& host_;
  const RunOptions& o_;
  const RunConfig& config_;
  std::vector<ResolvedPlugin> models_;
  std::vector<std::unique_ptr<datasets::Dataset>> datasets_;
  std::vector<std::vector<SampleInfo>> samples_;
  std::vector<std::size_t> head_dataset_;  // per dataset: whose head scores it (head_dataset)
  std::vector<std::map<std::string, std::string>> shift_attributes_;  // per dataset (shift_attributes)
  std::optional<ResolvedPlugin> overlap_model_;
  std::vector<Cell> cells_;
  Session session_;
  Progress progress_{o_.progress_bar};
  RunResult result_;
};

}  // namespace

RunResult run_benchmark(PluginHost& host, const RunOptions& options) {
  return BenchmarkRun(host, options).run();
}

}  // namespace roz::core

#include "roz/core/evaluator.hpp"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <mutex>

#include "roz/core/attack_sanity.hpp"
#include "roz/core/batch_loader.hpp"
#include "roz/core/condition_pipeline.hpp"
#include "roz/core/guard.hpp"
#include "roz/core/head_cache.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/search_path.hpp"
#include "roz/core/zero_shot_head.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/error.hpp"
#include "roz/metric.hpp"
#include "roz/model.hpp"

namespace roz::core {

namespace {

using datasets::SampleInfo;

class Evaluation {
 public:
  Evaluation(PluginHost& host, const EvalOptions& options) : host_(host), options_(options) {}

  EvalReport run() {
    dataset_ = datasets::open_dataset(options_.dataset, dataset_manifest_dirs());
    const datasets::Dataset& dataset = *dataset_;
    ResolvedPlugin model_plugin = host_.resolve(PluginKind::model, options_.model);
    model_ = host_.create_model(model_plugin);
    resolution_ = static_cast<int>(model_->preprocessing().resolution);

    report_.model_spec = model_plugin.spec;
    report_.model_version = model_plugin.descriptor().version;
    report_.model_hash = model_->content_hash();
    model_key_ = head_cache_key(model_plugin, report_.model_hash, host_.precision());
    report_.dataset = dataset.name() + " (" + options_.dataset + ")";
    report_.seed = options_.seed;
    report_.threads = host_.threads();
    report_.device = host_.device().str();
    report_.precision = to_string(host_.precision());

    datasets::Split split = datasets::split_per_class(dataset.samples(), options_.support_per_class);
    std::vector<SampleInfo> eval_samples = options_.support_per_class > 0 ? split.rest : dataset.samples();
    if (options_.per_class > 0) eval_samples = datasets::split_per_class(eval_samples, options_.per_class).first;
    if (options_.limit > 0 && eval_samples.size() > options_.limit) eval_samples.resize(options_.limit);
    if (eval_samples.empty()) throw DataError("dataset '" + options_.dataset + "': no images left to evaluate");

    prompts_ = dataset_prompts(dataset, options_.templates);
    classifier_ = std::make_shared<ZeroShotClassifier>(model_, build_head(dataset, split.first));

    std::vector<std::shared_ptr<Metric>> metrics;
    std::vector<Spec> metric_specs = options_.metrics;
    if (metric_specs.empty()) metric_specs = {parse_spec("accuracy"), parse_spec("attack_success")};
    for (const Spec& spec : metric_specs) {
      ResolvedPlugin m = host_.resolve(PluginKind::metric, spec);
      if (!(m.descriptor().capabilities & kPerCondition))
        throw Error(m.label + " has no per-condition scope; roz eval needs per-condition metrics");
      report_.metric_specs.push_back(m.spec);
      metrics.push_back(host_.create_metric(m));
    }

    for (Condition& condition : conditions(dataset)) {
      // A failure (an attack that throws after the clean condition) costs that condition only:
      // what finished is reported, with the failure beside it.
      if (host_.cancellation().cancelled()) {
        report_.conditions.push_back(failed_condition(condition, "not run: interrupted"));
        continue;
      }
      try {
        report_.conditions.push_back(evaluate_condition(condition, eval_samples, metrics));
      } catch (const std::exception& e) {
        const std::string message = error_message(e);
        spdlog::error("{}: {}", condition.info.condition, message);
        report_.conditions.push_back(failed_condition(condition, message));
      }
    }
    report_.warnings = attack_sanity_warnings(report_, host_.registry());
    for (const std::string& w : report_.warnings) spdlog::warn("{}", w);
    return report_;
  }

 private:
  ZeroShotHead build_head(const datasets::Dataset& dataset, const std::vector<SampleInfo>& support) {
    if (options_.support_per_class == 0) {
      report_.head = "prompts:templates=" + std::to_string(prompts_.templates.size());
      return HeadCache(options_.cache_dir).prompt_head(*model_, model_key_, prompts_, 256);
    }
    report_.head = "prototypes:support_per_class=" + std::to_string(options_.support_per_class);
    std::vector<cv::Mat> images;
    std::vector<std::int64_t> labels;
    BatchLoader support_loader = loader(support);
    for (LoadedBatch batch; support_loader.next(batch);) {
      for (const SampleInfo& s : batch.samples) labels.push_back(s.label);
      std::move(batch.images.begin(), batch.images.end(), std::back_inserter(images));
    }
    if (images.empty()) throw DataError("dataset '" + options_.dataset + "': no readable support image");
    return ZeroShotHead::from_support_images(*model_, to_tensor(images).to(host_.device()), at::tensor(labels, at::kLong),
                                             static_cast<std::int64_t>(dataset.class_names().size()),
                                             options_.batch_size);
  }

  std::vector<Condition> conditions(const datasets::Dataset& dataset) {
    ConditionInfo base;
    base.model = report_.model_spec;
    base.dataset = dataset.name();
    base.num_classes = static_cast<std::int64_t>(dataset.class_names().size());
    base.attributes["logit_scale"] = format_number(classifier_->head().logit_scale());
    std::vector<Condition> out;
    out.push_back(clean_condition(base));
    for (const Spec& spec : options_.corruptions) out.push_back(corruption_condition(host_, spec, base));
    for (const Spec& spec : options_.attacks)
      out.push_back(attack_condition(host_, spec, base, options_.support_per_class == 0));
    return out;
  }

  BatchLoader loader(std::vector<SampleInfo> samples) {
    return BatchLoader(*dataset_, std::move(samples), resolution_, static_cast<std::size_t>(options_.batch_size),
                       std::max(1, options_.decode_threads),
                       [this](const std::string& message) { note_unreadable(message); });
  }

  void note_unreadable(const std::string& message) {
    std::lock_guard lock(unreadable_mutex_);
    if (std::find(report_.unreadable.begin(), report_.unreadable.end(), message) != report_.unreadable.end()) return;
    spdlog::warn("skipping {}", message);
    report_.unreadable.push_back(message);
  }

  static ConditionReport failed_condition(const Condition& condition, const std::string& error) {
    ConditionReport report;
    report.info = condition.info;
    report.plugin_version = condition.plugin_version;
    report.error = error;
    return report;
  }

  ConditionReport evaluate_condition(Condition& condition, const std::vector<SampleInfo>& samples,
                                     const std::vector<std::shared_ptr<Metric>>& metrics) {
    ConditionReport report;
    report.info = condition.info;
    report.plugin_version = condition.plugin_version;
    std::vector<std::unique_ptr<MetricAccumulator>> accumulators;
    for (const auto& m : metrics) accumulators.push_back(m->accumulate(condition.info));

    const auto start = std::chrono::steady_clock::now();
    PipelineSettings settings{options_.seed, options_.batch_size, options_.decode_threads,
                              options_.prompt_attack_points, false};
    ConditionPipeline pipeline(host_, *dataset_, model_, classifier_, prompts_, settings,
                               [this](const std::string& message) { note_unreadable(message); });
    pipeline.run(
        condition, samples, samples,
        [&](BatchOutcome& batch) {
          report.skipped += static_cast<std::int64_t>(batch.skipped.size());
          report.gradient_evaluations += batch.gradient_evaluations;
          report.queries += batch.queries;
          for (const SampleRecord& record : batch.records)
            for (auto& acc : accumulators) acc->add(record);
          report.samples += static_cast<std::int64_t>(batch.records.size());
        },
        &report.prompt_attack);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (auto& acc : accumulators) {
      std::vector<MetricValue> values = acc->finish();
      report.values.insert(report.values.end(), values.begin(), values.end());
    }
    spdlog::info("{:<40} {:>6} images  {:>8.1f} img/s", condition.info.condition, report.samples,
                 report.samples / std::max(report.seconds, 1e-9));
    return report;
  }

  PluginHost& host_;
  const EvalOptions& options_;
  EvalReport report_;
  std::shared_ptr<Model> model_;
  std::shared_ptr<ZeroShotClassifier> classifier_;
  std::unique_ptr<datasets::Dataset> dataset_;
  std::string model_key_;
  PromptSet prompts_;
  int resolution_ = 224;
  std::mutex unreadable_mutex_;
};

}  // namespace

PromptSet dataset_prompts(const datasets::Dataset& dataset, const std::vector<std::string>& templates) {
  return {dataset.class_names(), !templates.empty()             ? templates
                                 : !dataset.templates().empty() ? dataset.templates()
                                                                : std::vector<std::string>{"a photo of a {}."}};
}

std::vector<std::filesystem::path> dataset_manifest_dirs() {
  std::vector<std::filesystem::path> dirs = env_path_list("ROZ_DATASET_PATH");
  dirs.push_back(executable_dir() / ".." / "share" / "roz" / "datasets" / "manifests");
  dirs.emplace_back(ROZ_SOURCE_MANIFEST_DIR);  // running from a build tree
  return dirs;
}

EvalReport evaluate(PluginHost& host, const EvalOptions& options) {
  return Evaluation(host, options).run();
}

}  // namespace roz::core

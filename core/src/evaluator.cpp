#include "roz/core/evaluator.hpp"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>
#include <algorithm>
#include <iterator>

#include "roz/attack.hpp"
#include "roz/core/attack_sanity.hpp"
#include "roz/core/batch_loader.hpp"
#include "roz/core/head_cache.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/search_path.hpp"
#include "roz/core/zero_shot_head.hpp"
#include "roz/corruption.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/error.hpp"
#include "roz/metric.hpp"
#include "roz/model.hpp"
#include "roz/seed.hpp"

namespace roz::core {

namespace {

using datasets::SampleInfo;

struct Condition {
  ConditionInfo info;
  std::string plugin_version;
  std::shared_ptr<Corruption> corruption;
  std::shared_ptr<Attack> attack;
};

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
    model_key_ = model_plugin.descriptor().name + "/" + model_plugin.descriptor().version + "/" + report_.model_hash;
    report_.dataset = dataset.name() + " (" + options_.dataset + ")";
    report_.seed = options_.seed;
    report_.threads = host_.threads();

    datasets::Split split = datasets::split_per_class(dataset.samples(), options_.support_per_class);
    std::vector<SampleInfo> eval_samples = options_.support_per_class > 0 ? split.rest : dataset.samples();
    if (options_.per_class > 0) eval_samples = datasets::split_per_class(eval_samples, options_.per_class).first;
    if (options_.limit > 0 && eval_samples.size() > options_.limit) eval_samples.resize(options_.limit);
    if (eval_samples.empty()) throw DataError("dataset '" + options_.dataset + "': no images left to evaluate");

    prompts_.class_names = dataset.class_names();
    prompts_.templates = !options_.templates.empty() ? options_.templates
                         : !dataset.templates().empty() ? dataset.templates()
                                                        : std::vector<std::string>{"a photo of a {}."};
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
      report_.conditions.push_back(evaluate_condition(condition, eval_samples, metrics));
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
    return ZeroShotHead::from_support_images(*model_, to_tensor(images), at::tensor(labels, at::kLong),
                                             static_cast<std::int64_t>(dataset.class_names().size()), options_.batch_size);
  }

  std::vector<Condition> conditions(const datasets::Dataset& dataset) {
    std::vector<Condition> out;
    auto base_info = [&](std::string name, std::string kind) {
      ConditionInfo info;
      info.model = report_.model_spec;
      info.dataset = dataset.name();
      info.condition = std::move(name);
      info.kind = std::move(kind);
      info.num_classes = static_cast<std::int64_t>(dataset.class_names().size());
      return info;
    };
    out.push_back({base_info("clean", "clean"), "", nullptr, nullptr});
    for (const Spec& spec : options_.corruptions) {
      ResolvedPlugin p = host_.resolve(PluginKind::corruption, spec);
      out.push_back({base_info(p.spec, "corruption"), p.descriptor().version, host_.create_corruption(p), nullptr});
    }
    for (const Spec& spec : options_.attacks) {
      ResolvedPlugin p = host_.resolve(PluginKind::attack, spec);
      if (p.descriptor().capabilities & kAttacksText)
        throw Error(p.label + " attacks text prompts; roz eval runs image attacks (text attacks arrive with the runner)");
      out.push_back({base_info(p.spec, "attack"), p.descriptor().version, nullptr, host_.create_attack(p)});
    }
    return out;
  }

  BatchLoader loader(std::vector<SampleInfo> samples) {
    return BatchLoader(*dataset_, std::move(samples), resolution_, static_cast<std::size_t>(options_.batch_size),
                       std::max(1, options_.decode_threads), [this](const std::string& message) {
                         std::lock_guard lock(unreadable_mutex_);
                         if (std::find(report_.unreadable.begin(), report_.unreadable.end(), message) !=
                             report_.unreadable.end())
                           return;
                         spdlog::warn("skipping {}", message);
                         report_.unreadable.push_back(message);
                       });
  }

  ConditionReport evaluate_condition(Condition& condition, const std::vector<SampleInfo>& samples,
                                     const std::vector<std::shared_ptr<Metric>>& metrics) {
    ConditionReport report;
    report.info = condition.info;
    report.plugin_version = condition.plugin_version;
    std::vector<std::unique_ptr<MetricAccumulator>> accumulators;
    for (const auto& m : metrics) accumulators.push_back(m->accumulate(condition.info));

    const auto start = std::chrono::steady_clock::now();
    BatchLoader batches = loader(samples);
    for (LoadedBatch batch; batches.next(batch);) {
      if (host_.cancellation().cancelled())
        throw Error("evaluation interrupted during condition '" + condition.info.condition + "'");
      std::vector<std::map<std::string, std::string>> metadata(batch.images.size());
      if (condition.corruption) corrupt(condition, batch, metadata, report.skipped);
      if (batch.images.empty()) continue;

      std::vector<std::uint64_t> seeds;
      std::vector<std::int64_t> labels;
      for (const SampleInfo& s : batch.samples) {
        seeds.push_back(derive_seed(options_.seed, condition.info.condition, s.id));
        labels.push_back(s.label);
      }
      at::Tensor images = to_tensor(batch.images);
      at::Tensor clean = images;
      std::vector<std::int64_t> clean_predictions;
      if (condition.attack) {
        {
          at::NoGradGuard no_grad;
          at::Tensor predicted = classifier_->logits(images).argmax(1).to(at::kCPU).contiguous();
          clean_predictions.assign(predicted.data_ptr<std::int64_t>(), predicted.data_ptr<std::int64_t>() + predicted.numel());
        }
        AttackBatch attack_batch{images, at::tensor(labels, at::kLong), seeds, &prompts_};
        AttackResult result = condition.attack->perturb(*classifier_, attack_batch);
        images = result.images.detach();
        report.gradient_evaluations += result.gradient_evaluations;
        report.queries += result.queries;
      }
      at::Tensor logits;
      {
        at::NoGradGuard no_grad;
        logits = classifier_->logits(images).to(at::kFloat).contiguous();
      }
      at::Tensor linf, l2;
      if (condition.attack) {
        at::Tensor delta = (images - clean).flatten(1);
        linf = delta.abs().amax(1);
        l2 = delta.norm(2, 1);
      }
      for (std::size_t i = 0; i < batch.samples.size(); ++i) {
        SampleRecord record;
        record.sample_id = batch.samples[i].id;
        record.label = batch.samples[i].label;
        record.accepted_labels = batch.samples[i].accepted;
        const float* row = logits[static_cast<std::int64_t>(i)].data_ptr<float>();
        record.logits.assign(row, row + logits.size(1));
        if (condition.attack) {
          record.perturbation_linf = linf[static_cast<std::int64_t>(i)].item<float>();
          record.perturbation_l2 = l2[static_cast<std::int64_t>(i)].item<float>();
        }
        record.metadata = std::move(metadata[i]);
        if (condition.attack) record.metadata["clean_prediction"] = std::to_string(clean_predictions[i]);
        for (auto& acc : accumulators) acc->add(record);
        ++report.samples;
      }
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (auto& acc : accumulators) {
      std::vector<MetricValue> values = acc->finish();
      report.values.insert(report.values.end(), values.begin(), values.end());
    }
    spdlog::info("{:<40} {:>6} images  {:>8.1f} img/s", condition.info.condition, report.samples,
                 report.samples / std::max(report.seconds, 1e-9));
    return report;
  }

  // Applies the condition's corruption to every image of the batch (worker threads), seeded per
  // sample; drops samples the corruption skips.
  void corrupt(const Condition& condition, LoadedBatch& batch, std::vector<std::map<std::string, std::string>>& metadata,
               std::int64_t& skipped) {
    std::vector<CorruptionOutput> outputs(batch.images.size());
    parallel_for(batch.images.size(), host_.threads(), [&](std::size_t i) {
      const SampleInfo& s = batch.samples[i];
      CorruptionInput input{batch.images[i], derive_seed(options_.seed, condition.info.condition, s.id), s.label,
                            prompts_.class_names, s.id};
      outputs[i] = condition.corruption->apply(input);
    });
    LoadedBatch kept;
    std::vector<std::map<std::string, std::string>> kept_metadata;
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      if (outputs[i].skipped) {
        ++skipped;
        continue;
      }
      kept.samples.push_back(batch.samples[i]);
      kept.images.push_back(std::move(outputs[i].image));
      kept_metadata.push_back(std::move(outputs[i].metadata));
    }
    batch = std::move(kept);
    metadata = std::move(kept_metadata);
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

std::vector<std::filesystem::path> dataset_manifest_dirs() {
  std::vector<std::filesystem::path> dirs = env_path_list("ROZ_DATASET_PATH");
  dirs.push_back(executable_dir() / ".." / "share" / "roz" / "datasets" / "manifests");
  dirs.emplace_back(ROZ_SOURCE_MANIFEST_DIR);  // running from a build tree
  return dirs;
}

EvalReport evaluate(PluginHost& host, const EvalOptions& options) { return Evaluation(host, options).run(); }

}  // namespace roz::core

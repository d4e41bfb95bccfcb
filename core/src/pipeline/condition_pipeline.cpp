#include "roz/core/condition_pipeline.hpp"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <set>

#include "pipeline/normalise_rows.hpp"
#include "roz/attack.hpp"
#include "roz/core/batch_loader.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/zero_shot_head.hpp"
#include "roz/corruption.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/protocol.hpp"
#include "roz/seed.hpp"
#include "roz/support/metrics/accepted_labels.hpp"  // the metrics' label rule (support library)
#include "roz/words.hpp"

namespace roz::core {

namespace {

using datasets::SampleInfo;

constexpr std::uint32_t kImageAttackCapabilities = kNeedsGradients | kNeedsScoresOnly | kNeedsSourceModel;

// The spec's own value of `key` when it is a plain number or word (severity=3, eps=0.0039...).
void copy_attribute(const std::string& resolved_spec, const std::string& key, ConditionInfo& info) {
  for (const auto& [name, value] : parse_spec(resolved_spec).params)
    if (name == key && value.kind == SpecValue::Kind::scalar) info.attributes[key] = value.text;
}

}  // namespace

Condition clean_condition(ConditionInfo base) {
  base.condition = protocol::kind::clean;
  base.kind = protocol::kind::clean;
  return {std::move(base), "", nullptr, nullptr, false, false, false};
}

Condition corruption_condition(PluginHost& host, const Spec& spec, ConditionInfo base) {
  ResolvedPlugin p = host.resolve(PluginKind::corruption, spec);
  base.condition = p.spec;
  base.kind = protocol::kind::corruption;
  base.attributes[protocol::attribute::corruption] = p.descriptor().name;
  base.attributes[protocol::attribute::perturbation_group] = p.descriptor().name;
  copy_attribute(p.spec, protocol::parameter::severity, base);
  return {std::move(base), p.descriptor().version, host.create_corruption(p), nullptr, false, false, false};
}

Condition attack_condition(PluginHost& host, const Spec& spec, ConditionInfo base, bool prompt_head) {
  ResolvedPlugin p = host.resolve(PluginKind::attack, spec);
  const std::uint32_t capabilities = p.descriptor().capabilities;
  const bool prompts = (capabilities & kAttacksText) != 0;
  if (prompts && !prompt_head)
    throw Error(p.label +
                " attacks the class prompts, but this head is built from support images "
                "(drop --support-per-class)");
  base.condition = p.spec;
  base.kind = prompts ? protocol::kind::text_attack : protocol::kind::attack;
  base.attributes[protocol::attribute::attack] = p.descriptor().name;
  // An attack's budgets form a group, as a corruption's severities (embedding stability), unless it
  // leaves the images alone (a prompt attack: its embeddings are the clean ones).
  if (!prompts || (capabilities & kImageAttackCapabilities) != 0)
    base.attributes[protocol::attribute::perturbation_group] = p.descriptor().name;
  copy_attribute(p.spec, protocol::parameter::eps, base);
  return {std::move(base),
          p.descriptor().version,
          nullptr,
          host.create_attack(p),
          prompts,
          (capabilities & kImageAttackCapabilities) != 0,
          prompts && (capabilities & kImagesAgainstCleanPrompts) != 0};
}

ConditionPipeline::ConditionPipeline(PluginHost& host, const datasets::Dataset& dataset, std::shared_ptr<Model> model,
                                     std::shared_ptr<Classifier> classifier, PromptSet prompts,
                                     PipelineSettings settings, std::function<void(const std::string&)> on_unreadable)
    : host_(host),
      dataset_(dataset),
      model_(std::move(model)),
      classifier_(std::move(classifier)),
      prompts_(std::move(prompts)),
      settings_(settings),
      on_unreadable_(std::move(on_unreadable)),
      preprocessing_(model_->preprocessing()) {}

void ConditionPipeline::run(Condition& condition, const std::vector<SampleInfo>& samples,
                            const std::vector<SampleInfo>& attack_set,
                            const std::function<void(BatchOutcome&)>& on_batch,
                            std::optional<PromptAttackSummary>* prompt_attack) {
  std::shared_ptr<Classifier> classifier = classifier_;
  std::int64_t prompt_queries = 0;
  if (condition.attacks_prompts) {
    PromptAttackSummary summary;
    classifier = attack_prompts(condition, attack_set, prompt_queries, summary);
    if (prompt_attack != nullptr) *prompt_attack = std::move(summary);
  }
  const auto batch_size = static_cast<std::size_t>(settings_.batch_size);
  BatchStages stages;
  const bool own_input = condition.corruption && settings_.corruption_input;
  if (condition.corruption)
    stages.transform = [&](LoadedBatch& b) {
      corrupt(condition, b);
      if (own_input)
        for (cv::Mat& image : b.images) image = resize_center_crop(image, preprocessing_);
    };
  stages.device = host_.device();
  BatchLoader batches(dataset_, samples, own_input ? *settings_.corruption_input : preprocessing_, batch_size,
                      std::max(1, settings_.decode_threads), on_unreadable_, std::move(stages));
  std::size_t first = 0;  // the loader takes the samples in consecutive chunks of batch_size
  const bool own_label_space = !condition.info.attributes.count(protocol::attribute::label_space);
  for (LoadedBatch batch; batches.next(batch); first += batch_size) {
    if (host_.cancellation().cancelled())
      throw Error("evaluation interrupted during condition '" + condition.info.condition + "'");
    BatchOutcome out;
    out.queries = std::exchange(prompt_queries, 0);
    out.skipped = std::move(batch.skipped);
    std::set<std::string> loaded(out.skipped.begin(), out.skipped.end());
    for (const SampleInfo& s : batch.samples) loaded.insert(s.id);
    for (std::size_t i = first; i < std::min(samples.size(), first + batch_size); ++i)
      if (!loaded.count(samples[i].id)) out.unreadable.push_back(samples[i].id);

    if (batch.images.empty()) {
      on_batch(out);
      continue;
    }
    std::vector<std::map<std::string, std::string>> metadata = std::move(batch.metadata);
    metadata.resize(batch.images.size());
    std::vector<std::uint64_t> seeds;
    std::vector<std::int64_t> labels;
    for (const SampleInfo& s : batch.samples) {
      seeds.push_back(derive_seed(settings_.seed, condition.info.condition, s.id));
      labels.push_back(s.label);
    }
    at::Tensor images = batch.tensor.take();  // on the model's device
    const at::Tensor clean = images;
    std::vector<std::int64_t> clean_predictions;
    if (condition.attack) {
      {
        c10::NoGradGuard no_grad;  // the clean prediction is the original head's
        at::Tensor predicted = classifier_->logits(images).argmax(1).to(at::kCPU).contiguous();
        clean_predictions.assign(predicted.data_ptr<std::int64_t>(),
                                 predicted.data_ptr<std::int64_t>() + predicted.numel());
      }
      if (condition.attacks_images) {
        AttackBatch attack_batch{images, at::tensor(labels, at::kLong).to(images.device()), seeds, &prompts_};
        // MMCoA attacks the images against the clean prompts' head and scores them with the attacked one.
        AttackResult result = condition.attack->perturb(
            condition.images_against_clean_prompts ? *classifier_ : *classifier, attack_batch);
        images = result.images.detach();
        out.gradient_evaluations += result.gradient_evaluations;
        out.queries += result.queries;
      }
    }
    at::Tensor logits, embeddings;
    {
      c10::NoGradGuard no_grad;
      // A zero-shot head scores the embeddings it needs anyway; an image classifier's logits come
      // from its own head, its features (encode_image) only when they are kept.
      at::Tensor raw;
      if (auto* zero_shot = dynamic_cast<ZeroShotClassifier*>(classifier.get())) {
        raw = model_->encode_image(images).to(at::kFloat);
        logits = zero_shot->logits_of_embeddings(raw);
      } else {
        logits = classifier->logits(images).to(at::kFloat);
        if (settings_.keep_embeddings) raw = model_->encode_image(images).to(at::kFloat);
      }
      logits = logits.to(at::kCPU).contiguous();
      if (settings_.keep_embeddings) embeddings = normalise_rows(raw).to(at::kCPU).contiguous();
    }
    at::Tensor linf, l2;
    if (condition.attack) {
      at::Tensor delta = (images - clean).flatten(1);
      linf = delta.abs().amax(1).to(at::kCPU);
      l2 = delta.norm(2, 1).to(at::kCPU);
    }
    for (std::size_t i = 0; i < batch.samples.size(); ++i) {
      const auto row = static_cast<std::int64_t>(i);
      SampleRecord record;
      record.sample_id = batch.samples[i].id;
      record.label = batch.samples[i].label;
      record.accepted_labels = batch.samples[i].accepted;
      const float* values = logits[row].data_ptr<float>();
      record.logits.assign(values, values + logits.size(1));
      if (embeddings.defined()) {
        const float* e = embeddings[row].data_ptr<float>();
        record.embedding.assign(e, e + embeddings.size(1));
      }
      if (condition.attack) {
        record.perturbation_linf = linf[row].item<float>();
        record.perturbation_l2 = l2[row].item<float>();
        metadata[i]["clean_prediction"] = std::to_string(clean_predictions[i]);
      }
      record.metadata = std::move(metadata[i]);
      record.metadata.insert(batch.samples[i].metadata.begin(), batch.samples[i].metadata.end());
      // A label outside the head's classes is the dataset's error, named here before anything is
      // stored (the metrics would refuse the record later, after the whole run). Scored in another
      // dataset's label space (an OOD set), a record has no label, and must have none.
      if (own_label_space)
        metrics::accepted_labels(record, "dataset '" + dataset_.name() + "'");
      else if (!metrics::unlabelled(record))
        throw Error("dataset '" + dataset_.name() + "': sample '" + record.sample_id + "' has a label, but '" +
                    condition.info.condition + "' is scored with the classes of '" +
                    condition.info.attributes.at(protocol::attribute::label_space) + "'");
      out.records.push_back(std::move(record));
    }
    on_batch(out);
  }
}

// Runs a text-prompt attack once for the condition, on the first prompt_attack_points / classes
// (rounded up) images of each class of the attack set, and returns the classifier over the
// attacked prompts.
std::shared_ptr<ZeroShotClassifier> ConditionPipeline::attack_prompts(Condition& condition,
                                                                      const std::vector<SampleInfo>& attack_set,
                                                                      std::int64_t& queries,
                                                                      PromptAttackSummary& summary) {
  const std::size_t classes = prompts_.class_names.size();
  const std::size_t per_class = (settings_.prompt_attack_points + classes - 1) / classes;
  std::vector<SampleInfo> chosen;
  if (per_class > 0) chosen = datasets::split_per_class(attack_set, per_class).first;
  std::vector<cv::Mat> images;
  std::vector<std::int64_t> labels;
  std::vector<std::uint64_t> seeds;
  BatchLoader chosen_loader(dataset_, chosen, preprocessing_, static_cast<std::size_t>(settings_.batch_size),
                            std::max(1, settings_.decode_threads), on_unreadable_);
  for (LoadedBatch batch; chosen_loader.next(batch);) {
    for (const SampleInfo& s : batch.samples) {
      labels.push_back(s.label);
      seeds.push_back(derive_seed(settings_.seed, condition.info.condition, s.id));
    }
    std::move(batch.images.begin(), batch.images.end(), std::back_inserter(images));
  }
  at::Tensor tensor =
      images.empty() ? at::empty({0, 3, preprocessing_.resolution, preprocessing_.resolution}) : to_tensor(images);
  tensor = tensor.to(host_.device());
  AttackBatch batch{tensor, at::tensor(labels, at::kLong).to(tensor.device()), seeds, &prompts_};
  if (dynamic_cast<ZeroShotClassifier*>(classifier_.get()) == nullptr)
    throw Error(condition.info.condition + " attacks class prompts, but the model is an image classifier: it has none");
  PromptAttackResult result = condition.attack->perturb_prompts(*classifier_, prompts_, batch);
  queries += result.queries;

  summary.points = static_cast<std::int64_t>(labels.size());
  const std::vector<std::vector<std::string>> original = class_prompts(prompts_);
  std::int64_t words = 0;
  for (std::size_t c = 0; c < original.size(); ++c)
    for (std::size_t t = 0; t < original[c].size(); ++t) {
      const std::size_t changed = words_changed(original[c][t], result.prompts[c][t]);
      ++summary.prompts;
      words += static_cast<std::int64_t>(changed);
      summary.max_words_changed = std::max(summary.max_words_changed, static_cast<std::int64_t>(changed));
      if (changed == 0) continue;
      ++summary.prompts_changed;
      if (summary.examples.size() < 20) summary.examples.emplace_back(original[c][t], result.prompts[c][t]);
    }
  summary.mean_words_changed =
      static_cast<double>(words) / static_cast<double>(std::max<std::int64_t>(1, summary.prompts));
  spdlog::info("{}: {} of {} prompts changed, at most {} word(s) each, on {} images", condition.info.condition,
               summary.prompts_changed, summary.prompts, summary.max_words_changed, summary.points);
  return std::make_shared<ZeroShotClassifier>(
      model_, ZeroShotHead::from_class_prompts(*model_, result.prompts, settings_.batch_size));
}

// Applies the condition's corruption to every image of the batch (on the loader's worker, spread
// over the host's threads), seeded per sample; drops samples the corruption skips.
void ConditionPipeline::corrupt(const Condition& condition, LoadedBatch& batch) const {
  std::vector<CorruptionOutput> outputs(batch.images.size());
  parallel_for(batch.images.size(), host_.threads(), [&](std::size_t i) {
    const SampleInfo& s = batch.samples[i];
    CorruptionInput input{batch.images[i], derive_seed(settings_.seed, condition.info.condition, s.id), s.label,
                          prompts_.class_names, s.id};
    outputs[i] = condition.corruption->apply(input);
  });
  std::vector<SampleInfo> kept_samples;
  std::vector<cv::Mat> kept_images;
  std::vector<std::map<std::string, std::string>> kept_metadata;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].skipped) {
      batch.skipped.push_back(batch.samples[i].id);
      continue;
    }
    kept_samples.push_back(batch.samples[i]);
    kept_images.push_back(std::move(outputs[i].image));
    kept_metadata.push_back(std::move(outputs[i].metadata));
  }
  batch.samples = std::move(kept_samples);
  batch.images = std::move(kept_images);
  batch.metadata = std::move(kept_metadata);
}

}  // namespace roz::core

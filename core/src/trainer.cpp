#include "roz/core/trainer.hpp"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>

#include "roz/core/evaluator.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/zero_shot_head.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/error.hpp"
#include "roz/metric.hpp"
#include "roz/model.hpp"
#include "roz/seed.hpp"

namespace roz::core {

namespace fs = std::filesystem;

namespace {

std::string epoch_name(int epoch) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "epoch-%03d", epoch);
  return buf;
}

// The last epoch whose checkpoint is complete (its .json is written last).
int last_checkpoint(const fs::path& dir) {
  int last = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    int epoch = 0;
    if (std::sscanf(name.c_str(), "epoch-%d.json", &epoch) == 1 && name == epoch_name(epoch) + ".json")
      last = std::max(last, epoch);
  }
  return last;
}

void write_atomically(const fs::path& path, const std::function<void(const fs::path&)>& write) {
  fs::path tmp = path;
  tmp += ".tmp";
  write(tmp);
  fs::rename(tmp, path);
}

class Trainer {
 public:
  Trainer(PluginHost& host, const TrainOptions& options) : host_(host), o_(options) {}

  TrainReport run() {
    if (o_.out.empty()) throw Error("roz train: no output file (--out)");
    if (o_.epochs < 1 || o_.batch_size < 2) throw Error("roz train: need epochs >= 1 and batch size >= 2");
    dataset_ = datasets::open_dataset(o_.dataset, dataset_manifest_dirs());
    samples_ = dataset_->samples();
    if (o_.limit > 0 && samples_.size() > o_.limit) samples_.resize(o_.limit);
    if (samples_.size() < static_cast<size_t>(o_.batch_size))
      throw DataError("roz train: dataset '" + o_.dataset + "' has fewer images than one batch");

    ResolvedPlugin plugin = host_.resolve(PluginKind::model, o_.model);
    model_ = host_.create_model(plugin);
    resolution_ = static_cast<int>(model_->preprocessing().resolution);
    build_captions();
    build_optimizer();

    const fs::path dir = o_.checkpoint_dir.empty() ? fs::path(o_.out.string() + ".checkpoints") : o_.checkpoint_dir;
    fs::create_directories(dir);
    TrainReport report;
    report.out = o_.out;
    int start = 1;
    if (o_.resume && (report.resumed_from = last_checkpoint(dir)) > 0) {
      const fs::path base = dir / epoch_name(report.resumed_from);
      model_->load(base.string() + ".model");
      torch::load(*optimizer_, base.string() + ".optim");
      if (own_scale_.defined()) torch::load(own_scale_, base.string() + ".scale");
      start = report.resumed_from + 1;
      spdlog::info("resuming after epoch {} from {}", report.resumed_from, base.string());
    }

    const std::int64_t steps_per_epoch = static_cast<std::int64_t>(samples_.size()) / o_.batch_size;
    total_steps_ = steps_per_epoch * o_.epochs;
    for (int epoch = start; epoch <= o_.epochs; ++epoch) {
      EpochStats stats = train_epoch(epoch, steps_per_epoch);
      if (!o_.eval_dataset.empty()) stats.eval_top1 = zero_shot_top1();
      spdlog::info("epoch {}/{}: loss {:.4f}, {:.0f} img/s{}", epoch, o_.epochs, stats.mean_loss,
                   stats.images_per_second,
                   stats.eval_top1 >= 0 ? fmt::format(", zero-shot top-1 on {} {:.2f}%", o_.eval_dataset, 100 * stats.eval_top1) : "");
      const fs::path base = dir / epoch_name(epoch);
      write_atomically(base.string() + ".model", [&](const fs::path& p) { model_->save(p.string()); });
      write_atomically(base.string() + ".optim", [&](const fs::path& p) { torch::save(*optimizer_, p.string()); });
      if (own_scale_.defined())
        write_atomically(base.string() + ".scale", [&](const fs::path& p) { torch::save(own_scale_, p.string()); });
      write_atomically(base.string() + ".json", [&](const fs::path& p) {
        std::ofstream(p) << nlohmann::json{{"epoch", epoch}, {"loss", stats.mean_loss}, {"eval_top1", stats.eval_top1},
                                           {"config", config_json()}}.dump(2);
      });
      report.epochs.push_back(stats);
    }
    model_->save(o_.out.string());
    std::ofstream(o_.out.string() + ".json") << nlohmann::json{{"config", config_json()},
                                                               {"sha256", model_->content_hash()}}.dump(2) << "\n";
    return report;
  }

 private:
  void build_captions() {
    templates_ = !o_.templates.empty() ? o_.templates : dataset_->templates();
    if (templates_.empty()) templates_ = {"a photo of a {}."};
    std::vector<std::string> captions;
    for (const std::string& name : dataset_->class_names())
      for (const std::string& t : templates_) {
        std::string text = t;
        auto pos = text.find("{}");
        if (pos == std::string::npos) throw Error("roz train: template '" + t + "' has no '{}'");
        captions.push_back(text.replace(pos, 2, name));
      }
    caption_tokens_ = model_->tokenize(captions);  // [classes x templates, L]
  }

  void build_optimizer() {
    std::vector<at::Tensor> decay, no_decay;
    for (at::Tensor p : model_->trainable_parameters()) {
      p.set_requires_grad(true);
      (p.dim() >= 2 ? decay : no_decay).push_back(p);  // no decay on biases, gains, the temperature
    }
    log_scale_ = model_->learnable_log_logit_scale();
    if (!log_scale_.defined()) {
      own_scale_ = at::full({}, std::log(model_->logit_scale())).set_requires_grad(true);
      log_scale_ = own_scale_;
      no_decay.push_back(own_scale_);
    }
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                   torch::optim::AdamWOptions(o_.lr).weight_decay(o_.weight_decay)));
    groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(
                                      torch::optim::AdamWOptions(o_.lr).weight_decay(0.0)));
    optimizer_ = std::make_unique<torch::optim::AdamW>(std::move(groups), torch::optim::AdamWOptions(o_.lr));
  }

  double learning_rate(std::int64_t step) const {
    const double warmup = std::max(1.0, o_.warmup_fraction * static_cast<double>(total_steps_));
    if (static_cast<double>(step) < warmup) return o_.lr * static_cast<double>(step + 1) / warmup;
    const double progress = (static_cast<double>(step) - warmup) / std::max(1.0, static_cast<double>(total_steps_) - warmup);
    return o_.lr * 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
  }

  EpochStats train_epoch(int epoch, std::int64_t steps) {
    // The order and the captions depend on (seed, epoch, sample) only: a resumed run sees the same.
    std::vector<size_t> order(samples_.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(derive_seed(o_.seed, "train-order", std::to_string(epoch)));
    std::shuffle(order.begin(), order.end(), rng);
    const auto templates = static_cast<std::int64_t>(templates_.size());

    model_->set_training(true);
    EpochStats stats;
    stats.epoch = epoch;
    double loss_sum = 0;
    const auto start = std::chrono::steady_clock::now();
    auto last_log = start;
    for (std::int64_t step = 0; step < steps; ++step) {
      if (host_.cancellation().cancelled()) throw Error("training interrupted in epoch " + std::to_string(epoch));
      const std::int64_t global_step = (epoch - 1) * steps + step;
      std::vector<cv::Mat> images(static_cast<size_t>(o_.batch_size));
      std::vector<std::int64_t> caption_rows(static_cast<size_t>(o_.batch_size));
      parallel_for(images.size(), host_.threads(), [&](size_t i) {
        const datasets::SampleInfo& s = samples_[order[static_cast<size_t>(step * o_.batch_size) + i]];
        images[i] = resize_center_crop(dataset_->load(s), resolution_);
        auto t = static_cast<std::int64_t>(derive_seed(o_.seed, "caption-" + std::to_string(epoch), s.id) %
                                           static_cast<std::uint64_t>(templates));
        caption_rows[i] = s.label * templates + t;
      });
      at::Tensor x = to_tensor(images);
      at::Tensor tokens = caption_tokens_.index_select(0, at::tensor(caption_rows, at::kLong));

      for (auto& group : optimizer_->param_groups())
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(learning_rate(global_step));
      optimizer_->zero_grad();
      at::Tensor img = model_->encode_image(x), txt = model_->encode_text(tokens);
      img = img / img.norm(2, 1, true);
      txt = txt / txt.norm(2, 1, true);
      at::Tensor logits = log_scale_.exp() * at::matmul(img, txt.t());
      at::Tensor targets = at::arange(o_.batch_size, at::kLong);
      at::Tensor loss = (at::cross_entropy_loss(logits, targets) + at::cross_entropy_loss(logits.t(), targets)) / 2;
      loss.backward();
      optimizer_->step();
      {
        at::NoGradGuard no_grad;
        log_scale_.clamp_(0.0, std::log(100.0));  // CLIP caps the scale at 100
      }
      loss_sum += loss.item<double>();
      if (o_.on_step) o_.on_step(global_step);

      auto now = std::chrono::steady_clock::now();
      if (now - last_log > std::chrono::seconds(10) || step + 1 == steps) {
        double seconds = std::chrono::duration<double>(now - start).count();
        double rate = static_cast<double>((step + 1) * o_.batch_size) / seconds;
        double eta = static_cast<double>((total_steps_ - global_step - 1) * o_.batch_size) / rate;
        spdlog::info("epoch {} step {}/{}: loss {:.4f}, {:.0f} img/s, ETA {:.0f} s", epoch, step + 1, steps,
                     loss_sum / static_cast<double>(step + 1), rate, eta);
        last_log = now;
      }
    }
    model_->set_training(false);
    stats.mean_loss = loss_sum / static_cast<double>(steps);
    stats.images_per_second = static_cast<double>(steps * o_.batch_size) /
                              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return stats;
  }

  // Zero-shot top-1 on the evaluation set, through the accuracy metric plugin.
  double zero_shot_top1() {
    at::NoGradGuard no_grad;
    if (!eval_dataset_) eval_dataset_ = datasets::open_dataset(o_.eval_dataset, dataset_manifest_dirs());
    const datasets::Dataset* eval = eval_dataset_.get();
    PromptSet prompts{eval->class_names(), templates_};
    ZeroShotHead head = ZeroShotHead::from_prompts(*model_, prompts, 256);
    std::shared_ptr<Metric> metric = host_.create_metric(host_.resolve(PluginKind::metric, parse_spec("accuracy:top_k=[1]")));
    std::unique_ptr<MetricAccumulator> acc = metric->accumulate(ConditionInfo{});
    std::vector<datasets::SampleInfo> samples = eval->samples();
    if (o_.eval_limit > 0 && samples.size() > o_.eval_limit) samples.resize(o_.eval_limit);
    for (size_t first = 0; first < samples.size(); first += 512) {
      size_t n = std::min<size_t>(512, samples.size() - first);
      std::vector<cv::Mat> images(n);
      parallel_for(n, host_.threads(), [&](size_t i) { images[i] = resize_center_crop(eval->load(samples[first + i]), resolution_); });
      at::Tensor logits = head.logits(model_->encode_image(to_tensor(images))).contiguous();
      for (size_t i = 0; i < n; ++i) {
        SampleRecord r;
        r.sample_id = samples[first + i].id;
        r.label = samples[first + i].label;
        const float* row = logits[static_cast<std::int64_t>(i)].data_ptr<float>();
        r.logits.assign(row, row + logits.size(1));
        acc->add(r);
      }
    }
    auto values = acc->finish();
    return values.empty() ? 0.0 : values.front().value;
  }

  nlohmann::json config_json() const {
    return {{"model", o_.model.to_string()}, {"dataset", o_.dataset},   {"templates", templates_},
            {"epochs", o_.epochs},           {"batch_size", o_.batch_size}, {"lr", o_.lr},
            {"weight_decay", o_.weight_decay}, {"warmup_fraction", o_.warmup_fraction},
            {"seed", o_.seed},               {"limit", o_.limit},       {"threads", host_.threads()}};
  }

  PluginHost& host_;
  const TrainOptions& o_;
  std::unique_ptr<datasets::Dataset> dataset_;
  std::unique_ptr<datasets::Dataset> eval_dataset_;  // opened on the first evaluation, kept for the others
  std::vector<datasets::SampleInfo> samples_;
  std::shared_ptr<Model> model_;
  int resolution_ = 28;
  std::vector<std::string> templates_;
  at::Tensor caption_tokens_;
  at::Tensor log_scale_;
  at::Tensor own_scale_;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::int64_t total_steps_ = 0;
};

}  // namespace

TrainReport train(PluginHost& host, const TrainOptions& options) { return Trainer(host, options).run(); }

}  // namespace roz::core

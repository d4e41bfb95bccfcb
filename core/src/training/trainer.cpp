#include "roz/core/trainer.hpp"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
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

#include "objective.hpp"
#include "parameter_selection.hpp"
#include "roz/core/atomic_file.hpp"
#include "roz/core/dataset_lookup.hpp"
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

std::string checkpoint_name(std::int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "step-%08lld", static_cast<long long>(step));
  return buf;
}

std::int64_t checkpoint_step(const fs::path& file) {
  long long step = -1;
  const std::string name = file.filename().string();
  if (std::sscanf(name.c_str(), "step-%lld.", &step) != 1 || name.rfind(checkpoint_name(step) + ".", 0) != 0) return -1;
  return step;
}

// The last step whose checkpoint is complete (its .json is written last); 0: none.
std::int64_t last_checkpoint(const fs::path& dir) {
  std::int64_t last = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".json") last = std::max(last, checkpoint_step(entry.path()));
  return last;
}

class Trainer {
 public:
  Trainer(PluginHost& host, const TrainOptions& options) : host_(host), o_(options) {}

  TrainReport run() {
    if (o_.out.empty()) throw Error("roz train: no output file (--out)");
    if (o_.epochs < 1 || o_.batch_size < 2) throw Error("roz train: need epochs >= 1 and batch size >= 2");
    if (o_.lr_schedule != "cosine" && o_.lr_schedule != "linear" && o_.lr_schedule != "constant")
      throw SpecError("roz train: lr_schedule '" + o_.lr_schedule + "': unknown (cosine, linear, constant)");
    if (o_.checkpoint_every < 0) throw SpecError("roz train: checkpoint_every must be >= 0");
    // bf16 keeps fp32's exponent range; fp16 gradients underflow without loss scaling, which this
    // loop does not do.
    if (host_.precision() == Precision::fp16)
      throw SpecError("roz train: --precision fp16 needs loss scaling, which roz train does not do; use bf16 or fp32");
    dataset_ = datasets::open_dataset(o_.dataset, dataset_manifest_dirs());
    samples_ = dataset_->samples();
    if (o_.shots > 0 && o_.limit > 0) throw SpecError("roz train: --shots and --limit exclude each other");
    if (o_.limit > 0 && samples_.size() > o_.limit) samples_.resize(o_.limit);
    if (o_.shots > 0) samples_ = datasets::sample_per_class(samples_, o_.shots, o_.seed, dataset_->class_names());
    if (samples_.size() < static_cast<size_t>(o_.batch_size))
      throw DataError("roz train: dataset '" + o_.dataset + "' has fewer images than one batch");

    plugin_ = host_.resolve(PluginKind::model, o_.model);
    model_ = host_.create_model(plugin_);
    preprocessing_ = model_->preprocessing();
    templates_ = !o_.templates.empty() ? o_.templates : dataset_->templates();
    if (templates_.empty()) templates_ = {"a photo of a {}."};
    if (!objective_uses_text(o_.objective) && !o_.eval_dataset.empty())
      throw SpecError("roz train: objective " + o_.objective +
                      " trains an image descriptor; --eval-dataset (zero-shot top-1) needs a text tower");
    captions_ = std::make_unique<Captions>(objective_uses_text(o_.objective) ? model_.get() : nullptr,
                                           PromptSet{dataset_->class_names(), templates_});
    build_optimizer();
    objective_ = make_objective(ObjectiveContext{host_, model_, plugin_, *captions_, log_scale_, o_});

    const fs::path dir = o_.checkpoint_dir.empty() ? fs::path(o_.out.string() + ".checkpoints") : o_.checkpoint_dir;
    fs::create_directories(dir);
    steps_per_epoch_ = static_cast<std::int64_t>(samples_.size()) / o_.batch_size;
    total_steps_ = steps_per_epoch_ * o_.epochs;
    TrainReport report;
    report.out = o_.out;
    report.trained_parameters = trained_scalars_;
    Progress at;  // where training starts: after the last checkpoint when resuming
    if (const std::int64_t last = last_checkpoint(dir); last > 0 && o_.resume) {
      report.resumed_from = last;
      at = restore(dir, last);
    } else if (last > 0) {  // never mix two runs' checkpoints
      throw Error("roz train: '" + dir.string() + "' holds checkpoints of an earlier run: --resume it, or remove them");
    }
    spdlog::info("roz train: objective {}, {} trainable scalars ({}), {} steps of {} images", o_.objective,
                 trained_scalars_, o_.trainable, total_steps_, o_.batch_size);

    for (int epoch = at.epoch; epoch <= o_.epochs; ++epoch) {
      const bool resumed_inside = epoch == at.epoch;
      EpochStats stats = train_epoch(epoch, resumed_inside ? at.step : 0, resumed_inside ? at.loss_sum : 0, dir);
      if (!o_.eval_dataset.empty()) stats.eval_top1 = zero_shot_top1();
      spdlog::info(
          "epoch {}/{}: loss {:.4f}, {:.0f} img/s{}", epoch, o_.epochs, stats.mean_loss, stats.images_per_second,
          stats.eval_top1 >= 0 ? fmt::format(", zero-shot top-1 on {} {:.2f}%", o_.eval_dataset, 100 * stats.eval_top1)
                               : "");
      save_checkpoint(dir, epoch, steps_per_epoch_, stats.mean_loss * static_cast<double>(steps_per_epoch_),
                      stats.eval_top1);
      report.epochs.push_back(stats);
    }
    write_atomically(o_.out, [&](const fs::path& p) { model_->save(p.string()); });
    write_text_atomically(
        o_.out.string() + ".json",
        nlohmann::json{{"config", config_json()}, {"sha256", model_->content_hash()}, {"epochs", epochs_json(report)}}
                .dump(2) +
            "\n");
    return report;
  }

 private:
  struct Progress {
    int epoch = 1;
    std::int64_t step = 0;  // steps of `epoch` already done
    double loss_sum = 0;    // their summed loss
  };

  void build_optimizer() {
    std::vector<at::Tensor> decay, no_decay;
    std::vector<ModelParameter> all = model_->trainable_parameters();
    std::vector<ModelParameter> chosen = select_parameters(all, o_.trainable, plugin_.label);
    for (ModelParameter& p : all) p.tensor.set_requires_grad(false);  // frozen: no gradient is computed
    for (ModelParameter& p : chosen) {
      p.tensor.set_requires_grad(true);
      (p.tensor.dim() >= 2 ? decay : no_decay).push_back(p.tensor);  // no decay on biases, gains, the temperature
      trained_scalars_ += p.tensor.numel();
    }
    // The temperature trains with everything else only; a model without one gets its own, unless
    // the objective reads no text (an image descriptor has no zero-shot temperature).
    log_scale_ = model_->learnable_log_logit_scale();
    if (!log_scale_.defined() && objective_uses_text(o_.objective)) {
      own_scale_ = at::full({}, std::log(model_->logit_scale()), at::TensorOptions(host_.device()));
      if (o_.trainable == "all" && o_.objective != "perturbation") {
        own_scale_.set_requires_grad(true);
        no_decay.push_back(own_scale_);
      }
      log_scale_ = own_scale_;
    }
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(
                                   torch::optim::AdamWOptions(o_.lr).weight_decay(o_.weight_decay)));
    groups.emplace_back(
        no_decay, std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(o_.lr).weight_decay(0.0)));
    optimizer_ = std::make_unique<torch::optim::AdamW>(std::move(groups), torch::optim::AdamWOptions(o_.lr));
  }

  // Linear warm-up over warmup_fraction of the steps, then the schedule down to zero (or flat).
  double learning_rate(std::int64_t step) const {
    const double warmup = std::max(1.0, o_.warmup_fraction * static_cast<double>(total_steps_));
    if (static_cast<double>(step) < warmup) return o_.lr * static_cast<double>(step + 1) / warmup;
    const double progress =
        std::min(1.0, (static_cast<double>(step) - warmup) / std::max(1.0, static_cast<double>(total_steps_) - warmup));
    if (o_.lr_schedule == "constant") return o_.lr;
    if (o_.lr_schedule == "linear") return o_.lr * (1.0 - progress);
    return o_.lr * 0.5 * (1.0 + std::cos(M_PI * progress));
  }

  TrainBatch load_batch(int epoch, const std::vector<size_t>& order, std::int64_t step) const {
    TrainBatch b;
    b.epoch = epoch;
    const auto n = static_cast<size_t>(o_.batch_size);
    b.ids.resize(n);
    b.images.resize(n);
    b.decoded.resize(n);
    b.labels.resize(n);
    b.templates.resize(n);
    b.seeds.resize(n);
    const auto templates = static_cast<std::uint64_t>(captions_->templates());
    parallel_for(n, host_.threads(), [&](size_t i) {
      const datasets::SampleInfo& s = samples_[order[static_cast<size_t>(step) * n + i]];
      b.ids[i] = s.id;
      b.decoded[i] = dataset_->load(s);
      b.images[i] = resize_center_crop(b.decoded[i], preprocessing_);
      b.labels[i] = s.label;
      b.templates[i] =
          static_cast<std::int64_t>(derive_seed(o_.seed, "caption-" + std::to_string(epoch), s.id) % templates);
      b.seeds[i] = derive_seed(o_.seed, "sample-" + std::to_string(epoch), s.id);
    });
    b.pixels = to_tensor(b.images).to(host_.device());
    return b;
  }

  EpochStats train_epoch(int epoch, std::int64_t first_step, double loss_sum, const fs::path& dir) {
    // The order and the captions depend on (seed, epoch, sample) only: a resumed run sees the same.
    std::vector<size_t> order(samples_.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(derive_seed(o_.seed, "train-order", std::to_string(epoch)));
    std::shuffle(order.begin(), order.end(), rng);

    model_->set_training(true);
    EpochStats stats;
    stats.epoch = epoch;
    const auto start = std::chrono::steady_clock::now();
    auto last_log = start;
    for (std::int64_t step = first_step; step < steps_per_epoch_; ++step) {
      if (host_.cancellation().cancelled()) throw Error("training interrupted in epoch " + std::to_string(epoch));
      const std::int64_t global_step = (epoch - 1) * steps_per_epoch_ + step;
      const TrainBatch batch = load_batch(epoch, order, step);
      for (auto& group : optimizer_->param_groups())
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(learning_rate(global_step));
      at::Tensor loss = objective_->loss(batch);
      if (!loss.requires_grad())
        throw SpecError("roz train: objective " + o_.objective + " with trainable '" + o_.trainable +
                        "': the selection has no parameter the loss depends on");
      optimizer_->zero_grad();  // after the objective: its attacks may have left gradients
      loss.backward();
      optimizer_->step();
      if (log_scale_.defined()) {
        c10::NoGradGuard no_grad;
        log_scale_.clamp_(0.0, std::log(100.0));  // CLIP caps the scale at 100
      }
      loss_sum += loss.item<double>();
      if (o_.on_step) o_.on_step(global_step);
      if (o_.checkpoint_every > 0 && (step + 1) % o_.checkpoint_every == 0 && step + 1 < steps_per_epoch_)
        save_checkpoint(dir, epoch, step + 1, loss_sum, -1);

      auto now = std::chrono::steady_clock::now();
      if (now - last_log > std::chrono::seconds(10) || step + 1 == steps_per_epoch_) {
        const double seconds = std::chrono::duration<double>(now - start).count();
        const double rate = static_cast<double>((step + 1 - first_step) * o_.batch_size) / seconds;
        const double eta = static_cast<double>((total_steps_ - global_step - 1) * o_.batch_size) / rate;
        spdlog::info("epoch {} step {}/{}: loss {:.4f}, {:.0f} img/s, ETA {:.0f} s", epoch, step + 1, steps_per_epoch_,
                     loss_sum / static_cast<double>(step + 1), rate, eta);
        last_log = now;
      }
    }
    model_->set_training(false);
    stats.mean_loss = loss_sum / static_cast<double>(steps_per_epoch_);
    stats.images_per_second = static_cast<double>((steps_per_epoch_ - first_step) * o_.batch_size) /
                              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return stats;
  }

  // Model, optimiser state (and our own temperature), then the .json that marks it complete.
  // Checkpoints inside an epoch are dropped once a later one is complete; epoch ends are kept.
  void save_checkpoint(const fs::path& dir, int epoch, std::int64_t step_in_epoch, double loss_sum, double eval_top1) {
    const std::int64_t step = (epoch - 1) * steps_per_epoch_ + step_in_epoch;
    const std::string base = (dir / checkpoint_name(step)).string();
    write_atomically(base + ".model", [&](const fs::path& p) { model_->save(p.string()); });
    write_atomically(base + ".optim", [&](const fs::path& p) { torch::save(*optimizer_, p.string()); });
    if (own_scale_.defined())
      write_atomically(base + ".scale", [&](const fs::path& p) { torch::save(own_scale_, p.string()); });
    write_atomically(base + ".json", [&](const fs::path& p) {
      std::ofstream(p) << nlohmann::json{{"epoch", epoch},         {"step_in_epoch", step_in_epoch},
                                         {"step", step},           {"loss_sum", loss_sum},
                                         {"eval_top1", eval_top1}, {"config", config_json()}}
                              .dump(2);
    });
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::int64_t other = checkpoint_step(entry.path());
      if (other >= 0 && other < step && other % steps_per_epoch_ != 0) fs::remove(entry.path(), ec);
    }
  }

  Progress restore(const fs::path& dir, std::int64_t step) {
    const std::string base = (dir / checkpoint_name(step)).string();
    nlohmann::json saved;
    try {
      saved = nlohmann::json::parse(std::ifstream(base + ".json"));
    } catch (const nlohmann::json::exception& e) {
      throw DataError("roz train: checkpoint '" + base + ".json': " + e.what());
    }
    // The same run only: every setting but the thread count must match.
    nlohmann::json now = config_json(), then = saved.value("config", nlohmann::json::object());
    now.erase("threads");
    then.erase("threads");
    if (!then.contains("precision")) then["precision"] = "fp32";  // checkpoints from before --precision
    for (const auto& [key, value] : now.items())
      if (!then.contains(key) || then[key] != value)
        throw SpecError("roz train --resume: checkpoint '" + base + ".json' was written with " + key + " = " +
                        (then.contains(key) ? then[key].dump() : "(none)") + ", this run has " + value.dump());
    model_->load(base + ".model");
    torch::load(*optimizer_, base + ".optim");
    if (own_scale_.defined()) {  // in place: the optimiser and the objective hold this tensor
      at::Tensor saved_scale;
      torch::load(saved_scale, base + ".scale");
      c10::NoGradGuard no_grad;
      own_scale_.copy_(saved_scale);
    }
    Progress p;
    p.epoch = saved.at("epoch").get<int>();
    p.step = saved.at("step_in_epoch").get<std::int64_t>();
    p.loss_sum = saved.at("loss_sum").get<double>();
    if (p.step == steps_per_epoch_) {
      ++p.epoch;
      p.step = 0;
      p.loss_sum = 0;
    }
    spdlog::info("resuming after epoch {} step {} (global step {}) from {}", saved.at("epoch").get<int>(),
                 saved.at("step_in_epoch").get<std::int64_t>(), step, base);
    return p;
  }

  // Zero-shot top-1 on the evaluation set, through the accuracy metric plugin.
  double zero_shot_top1() {
    c10::NoGradGuard no_grad;
    if (!eval_dataset_) eval_dataset_ = datasets::open_dataset(o_.eval_dataset, dataset_manifest_dirs());
    const datasets::Dataset* eval = eval_dataset_.get();
    PromptSet prompts{eval->class_names(), templates_};
    ZeroShotHead head = ZeroShotHead::from_prompts(*model_, prompts, 256);
    std::shared_ptr<Metric> metric =
        host_.create_metric(host_.resolve(PluginKind::metric, parse_spec("accuracy:top_k=[1]")));
    std::unique_ptr<MetricAccumulator> acc = metric->accumulate(ConditionInfo{});
    std::vector<datasets::SampleInfo> samples = eval->samples();
    if (o_.eval_limit > 0 && samples.size() > o_.eval_limit) samples.resize(o_.eval_limit);
    for (size_t first = 0; first < samples.size(); first += 512) {
      size_t n = std::min<size_t>(512, samples.size() - first);
      std::vector<cv::Mat> images(n);
      parallel_for(n, host_.threads(),
                   [&](size_t i) { images[i] = resize_center_crop(eval->load(samples[first + i]), preprocessing_); });
      at::Tensor logits =
          head.logits(model_->encode_image(to_tensor(images).to(host_.device()))).to(at::kCPU).contiguous();
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
    return {{"model", plugin_.spec},
            {"objective", o_.objective},
            {o_.objective, objective_->config()},
            {"trainable", o_.trainable},
            {"trained_scalars", trained_scalars_},
            {"dataset", o_.dataset},
            {"templates", templates_},
            {"epochs", o_.epochs},
            {"batch_size", o_.batch_size},
            {"lr", o_.lr},
            {"lr_schedule", o_.lr_schedule},
            {"weight_decay", o_.weight_decay},
            {"warmup_fraction", o_.warmup_fraction},
            {"seed", o_.seed},
            {"limit", o_.limit},
            {"shots", o_.shots},
            {"checkpoint_every", o_.checkpoint_every},
            {"threads", host_.threads()},
            {"precision", to_string(host_.precision())}};
  }

  static nlohmann::json epochs_json(const TrainReport& report) {
    nlohmann::json out = nlohmann::json::array();
    for (const EpochStats& e : report.epochs)
      out.push_back({{"epoch", e.epoch}, {"mean_loss", e.mean_loss}, {"eval_top1", e.eval_top1}});
    return out;
  }

  PluginHost& host_;
  const TrainOptions& o_;
  std::unique_ptr<datasets::Dataset> dataset_;
  std::unique_ptr<datasets::Dataset> eval_dataset_;  // opened on the first evaluation, kept for the others
  std::vector<datasets::SampleInfo> samples_;
  ResolvedPlugin plugin_;
  std::shared_ptr<Model> model_;
  Preprocessing preprocessing_;
  std::vector<std::string> templates_;
  std::unique_ptr<Captions> captions_;
  at::Tensor log_scale_;
  at::Tensor own_scale_;
  std::int64_t trained_scalars_ = 0;
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<TrainObjective> objective_;
  std::int64_t steps_per_epoch_ = 0;
  std::int64_t total_steps_ = 0;
};

}  // namespace

TrainReport train(PluginHost& host, const TrainOptions& options) {
  return Trainer(host, options).run();
}

}  // namespace roz::core

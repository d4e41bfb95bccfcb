// roz train: training and robust fine-tuning of a model plugin (see core/trainer.hpp). Options
// come from --config (YAML, the same keys as the flags with '_' for '-') and then the flags.
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include "commands.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/registry.hpp"
#include "roz/core/trainer.hpp"
#include "roz/error.hpp"

namespace roz::cli {

namespace {

// One option, settable from the YAML config (key) and from the command line (--key-with-dashes).
struct Binding {
  std::string key;
  CLI::Option* flag = nullptr;
  std::function<void(const YAML::Node&, core::TrainOptions&)> from_yaml;
  std::function<void(core::TrainOptions&)> from_flag;
};

class Bindings {
 public:
  explicit Bindings(CLI::App* cmd) : cmd_(cmd) {}

  // T: what the flag and the YAML value read as; set: how it lands in the options. `flag`
  // overrides the flag's name (a repeatable flag is singular, its YAML list plural).
  template <class T>
  void add(const std::string& key, const std::string& help, std::function<void(core::TrainOptions&, const T&)> set,
           std::string flag = "") {
    auto value = std::make_shared<T>();
    if (flag.empty()) flag = "--" + key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    bindings_.push_back({key, cmd_->add_option(flag, *value, help),
                         [set](const YAML::Node& node, core::TrainOptions& o) { set(o, node.as<T>()); },
                         [set, value](core::TrainOptions& o) { set(o, *value); }});
  }

  // Defaults, then the config file, then the flags given on the command line.
  core::TrainOptions resolve(const std::string& config) const {
    core::TrainOptions o;
    if (!config.empty()) apply_config(config, o);
    for (const Binding& b : bindings_)
      if (b.flag->count() > 0) b.from_flag(o);
    return o;
  }

 private:
  void apply_config(const std::string& path, core::TrainOptions& o) const {
    YAML::Node root;
    try {
      root = YAML::LoadFile(path);
    } catch (const YAML::Exception& e) {
      throw SpecError("config '" + path + "': " + e.what());
    }
    if (!root.IsMap()) throw SpecError("config '" + path + "': expected a map of options");
    for (const auto& entry : root) {
      const std::string key = entry.first.as<std::string>();
      auto it = std::find_if(bindings_.begin(), bindings_.end(), [&](const Binding& b) { return b.key == key; });
      if (it == bindings_.end()) throw SpecError("config '" + path + "': key '" + key + "': unknown key");
      try {
        it->from_yaml(entry.second, o);
      } catch (const YAML::Exception& e) {
        throw SpecError("config '" + path + "': key '" + key + "': " + e.what());
      }
    }
  }

  CLI::App* cmd_;
  std::vector<Binding> bindings_;
};

}  // namespace

void add_train_command(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands) {
  CLI::App* cmd = app.add_subcommand("train", "training and robust fine-tuning of a model plugin (e.g. mini_clip)");
  auto config = std::make_shared<std::string>();
  auto resume = std::make_shared<bool>(false);
  auto b = std::make_shared<Bindings>(cmd);
  using O = core::TrainOptions;
  cmd->add_option("--config", *config, "YAML with the same keys as the flags")->check(CLI::ExistingFile);
  b->add<std::string>("model", "model spec, e.g. mini_clip (fine-tune) or mini_clip:weights=random,seed=0",
                      [](O& o, const std::string& v) { o.model = parse_spec(v); });
  b->add<std::string>("objective",
                      "contrastive (CLIP), adversarial or perturbation (robust fine-tuning), copy_detection (SSCD)",
                      [](O& o, const std::string& v) { o.objective = v; });
  b->add<std::string>("adversarial", "adversarial: the attacked modalities, image | text | both",
                      [](O& o, const std::string& v) { o.adversarial = v; });
  b->add<std::string>("image_attack", "adversarial: image attack spec (default pgd:eps=1/255,steps=10)",
                      [](O& o, const std::string& v) { o.image_attack = v; });
  b->add<std::string>("text_attack", "adversarial: text-prompt attack spec (default word_substitution:k=1)",
                      [](O& o, const std::string& v) { o.text_attack = v; });
  b->add<double>("image_weight", "adversarial: w_i, weight of the attacked-image terms (0.5)",
                 [](O& o, const double& v) { o.image_weight = v; });
  b->add<double>("text_weight", "adversarial: w_t, weight of the attacked-caption terms (0.5)",
                 [](O& o, const double& v) { o.text_weight = v; });
  b->add<std::string>("perturbation",
                      "perturbation: corruption spec, ranges lo..hi drawn per image "
                      "(default jpeg_compression:quality=10..90)",
                      [](O& o, const std::string& v) { o.perturbation = v; });
  b->add<double>("lambda", "perturbation: weight of the pull to the frozen original (1)",
                 [](O& o, const double& v) { o.lambda = v; });
  b->add<double>("temperature", "copy_detection: InfoNCE temperature (0.05)",
                 [](O& o, const double& v) { o.temperature = v; });
  b->add<double>("entropy_weight", "copy_detection: weight of the KoLeo entropy term (30)",
                 [](O& o, const double& v) { o.entropy_weight = v; });
  b->add<std::string>("trainable", "all | image | text | projection | last:N (image tower's last N blocks)",
                      [](O& o, const std::string& v) { o.trainable = v; });
  b->add<std::string>("dataset", "training dataset (default fashion-mnist-train)",
                      [](O& o, const std::string& v) { o.dataset = v; });
  b->add<std::string>("eval_dataset", "zero-shot top-1 after each epoch on this dataset",
                      [](O& o, const std::string& v) { o.eval_dataset = v; });
  b->add<std::size_t>("eval_limit", "images of the evaluation set to use (0: all)",
                      [](O& o, const std::size_t& v) { o.eval_limit = v; });
  b->add<std::vector<std::string>>(
      "templates", "caption template with {} (repeatable; default: the dataset's)",
      [](O& o, const std::vector<std::string>& v) { o.templates = v; }, "--template");
  b->add<std::size_t>("limit", "training images: the first N in file order (0: all; --shots samples per class)",
                      [](O& o, const std::size_t& v) { o.limit = v; });
  b->add<std::size_t>("shots", "few-shot: K training images per class, sampled with --seed (0: all)",
                      [](O& o, const std::size_t& v) { o.shots = v; });
  b->add<int>("epochs", "epochs", [](O& o, const int& v) { o.epochs = v; });
  b->add<std::int64_t>("batch_size", "images per batch (also the in-batch negatives)",
                       [](O& o, const std::int64_t& v) { o.batch_size = v; });
  b->add<double>("lr", "peak learning rate (AdamW)", [](O& o, const double& v) { o.lr = v; });
  b->add<std::string>("lr_schedule", "after the warm-up: cosine | linear | constant",
                      [](O& o, const std::string& v) { o.lr_schedule = v; });
  b->add<double>("warmup_fraction", "linear warm-up over this fraction of the steps",
                 [](O& o, const double& v) { o.warmup_fraction = v; });
  b->add<double>("weight_decay", "AdamW weight decay (not on biases/gains/temperature)",
                 [](O& o, const double& v) { o.weight_decay = v; });
  b->add<std::uint64_t>("seed", "seed of the batch order, captions, attacks and perturbations",
                        [](O& o, const std::uint64_t& v) { o.seed = v; });
  b->add<std::string>("out", "where to write the trained weights", [](O& o, const std::string& v) { o.out = v; });
  b->add<std::string>("checkpoint_dir", "checkpoints (default OUT.checkpoints)",
                      [](O& o, const std::string& v) { o.checkpoint_dir = v; });
  b->add<std::int64_t>("checkpoint_every", "also checkpoint every N steps inside an epoch (0: epoch ends only)",
                       [](O& o, const std::int64_t& v) { o.checkpoint_every = v; });
  cmd->add_flag("--resume", *resume, "continue from the last complete checkpoint");
  commands.push_back({cmd, [&global, config, resume, b] {
                        core::TrainOptions o = b->resolve(*config);
                        o.resume = *resume;
                        if (o.model.name.empty())
                          throw Error("roz train: no model (give --model or 'model' in --config)");
                        core::Registry registry = core::Registry::discover(search_path(global));
                        core::PluginHost host(registry, o.seed, global.threads, global.device_or_cpu(),
                                              global.precision_or_fp32());
                        core::TrainReport r = core::train(host, o);
                        spdlog::info("trained weights: {} (configuration: {}.json)", r.out.string(), r.out.string());
                        return 0;
                      }});
}

}  // namespace roz::cli

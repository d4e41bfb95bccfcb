// roz train: contrastive training of a model plugin (see core/trainer.hpp). Options come from
// --config (YAML, the same keys as the flags with '_' for '-') and then the flags.
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include "commands.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/registry.hpp"
#include "roz/core/trainer.hpp"
#include "roz/error.hpp"

namespace roz::cli {

namespace {

struct TrainArgs {
  std::string config, model, dataset, eval_dataset, out, checkpoint_dir;
  std::vector<std::string> templates;
  core::TrainOptions options;
};

void apply_config(const std::string& path, core::TrainOptions& o) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw SpecError("config '" + path + "': " + e.what());
  }
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    const YAML::Node& v = entry.second;
    try {
      if (key == "model") o.model = parse_spec(v.as<std::string>());
      else if (key == "dataset") o.dataset = v.as<std::string>();
      else if (key == "eval_dataset") o.eval_dataset = v.as<std::string>();
      else if (key == "eval_limit") o.eval_limit = v.as<std::size_t>();
      else if (key == "templates") o.templates = v.as<std::vector<std::string>>();
      else if (key == "limit") o.limit = v.as<std::size_t>();
      else if (key == "epochs") o.epochs = v.as<int>();
      else if (key == "batch_size") o.batch_size = v.as<std::int64_t>();
      else if (key == "lr") o.lr = v.as<double>();
      else if (key == "weight_decay") o.weight_decay = v.as<double>();
      else if (key == "warmup_fraction") o.warmup_fraction = v.as<double>();
      else if (key == "seed") o.seed = v.as<std::uint64_t>();
      else if (key == "out") o.out = v.as<std::string>();
      else if (key == "checkpoint_dir") o.checkpoint_dir = v.as<std::string>();
      else throw SpecError("config '" + path + "': key '" + key + "': unknown key");
    } catch (const YAML::Exception& e) {
      throw SpecError("config '" + path + "': key '" + key + "': " + e.what());
    }
  }
}

}  // namespace

void add_train_command(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand("train", "contrastive image-text training of a model plugin (e.g. mini_clip)");
  cmd->add_option("--config", a->config, "YAML with the same keys as the flags")->check(CLI::ExistingFile);
  cmd->add_option("--model", a->model, "model spec, e.g. mini_clip:weights=random,seed=0");
  cmd->add_option("--dataset", a->dataset, "training dataset (default fashion-mnist-train)");
  cmd->add_option("--eval-dataset", a->eval_dataset, "zero-shot top-1 after each epoch on this dataset");
  cmd->add_option("--eval-limit", a->options.eval_limit, "images of the evaluation set to use (0: all)");
  cmd->add_option("--template", a->templates, "caption template with {} (repeatable; default: the dataset's)");
  cmd->add_option("--limit", a->options.limit, "training images (0: all)");
  cmd->add_option("--epochs", a->options.epochs, "epochs")->check(CLI::PositiveNumber);
  cmd->add_option("--batch-size", a->options.batch_size, "images per batch (also the InfoNCE negatives)");
  cmd->add_option("--lr", a->options.lr, "peak learning rate (AdamW; linear warm-up, cosine decay)");
  cmd->add_option("--weight-decay", a->options.weight_decay, "AdamW weight decay (not on biases/gains/temperature)");
  cmd->add_option("--seed", a->options.seed, "seed of the batch order and captions");
  cmd->add_option("--out", a->out, "where to write the trained weights");
  cmd->add_option("--checkpoint-dir", a->checkpoint_dir, "checkpoints (default OUT.checkpoints)");
  cmd->add_flag("--resume", a->options.resume, "continue from the last complete checkpoint");
  commands.push_back({cmd, [&global, a, cmd] {
                        // Defaults, then the config file, then the flags given on the command line.
                        core::TrainOptions o;
                        if (!a->config.empty()) apply_config(a->config, o);
                        auto given = [cmd](const char* flag) { return cmd->count(flag) > 0; };
                        const core::TrainOptions& f = a->options;
                        if (given("--model")) o.model = parse_spec(a->model);
                        if (given("--dataset")) o.dataset = a->dataset;
                        if (given("--eval-dataset")) o.eval_dataset = a->eval_dataset;
                        if (given("--eval-limit")) o.eval_limit = f.eval_limit;
                        if (given("--template")) o.templates = a->templates;
                        if (given("--limit")) o.limit = f.limit;
                        if (given("--epochs")) o.epochs = f.epochs;
                        if (given("--batch-size")) o.batch_size = f.batch_size;
                        if (given("--lr")) o.lr = f.lr;
                        if (given("--weight-decay")) o.weight_decay = f.weight_decay;
                        if (given("--seed")) o.seed = f.seed;
                        if (given("--out")) o.out = a->out;
                        if (given("--checkpoint-dir")) o.checkpoint_dir = a->checkpoint_dir;
                        o.resume = f.resume;
                        if (o.model.name.empty()) throw Error("roz train: no model (give --model or 'model' in --config)");
                        core::Registry registry = core::Registry::discover(search_path(global));
                        core::PluginHost host(registry, o.seed, global.threads);
                        core::TrainReport r = core::train(host, o);
                        spdlog::info("trained weights: {}", r.out.string());
                        return 0;
                      }});
}

}  // namespace roz::cli

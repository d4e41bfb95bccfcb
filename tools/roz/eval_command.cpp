// roz eval: one model, one dataset, clean plus each --corruption and --attack condition.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "roz/core/atomic_file.hpp"
#include "roz/core/eval_config.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/head_cache.hpp"
#include "roz/core/metric_display.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/prompt_attack_json.hpp"
#include "roz/core/registry.hpp"
#include "roz/error.hpp"

namespace roz::cli {

namespace {

using nlohmann::json;

struct EvalArgs {
  std::string config;
  std::string model;
  std::string dataset;
  std::vector<std::string> corruptions, attacks, metrics, templates;
  std::size_t support_per_class = 0;
  std::size_t per_class = 0;
  std::size_t limit = 0;
  std::size_t prompt_attack_points = 0;
  std::uint64_t seed = 0;
  std::int64_t batch_size = 64;
  int decode_threads = 1;
  bool json = false;
  std::string out;
  std::string cache_dir;
  bool no_cache = false;
};

std::vector<Spec> parse_specs(const std::vector<std::string>& texts) {
  std::vector<Spec> out;
  for (const auto& t : texts) out.push_back(parse_spec(t));
  return out;
}

json report_json(const core::EvalReport& r) {
  json conditions = json::array();
  for (const auto& c : r.conditions) {
    json values = json::object();
    for (const auto& v : c.values) {
      json value{{"value", v.value}};
      if (v.ci_low) value["ci95"] = {*v.ci_low, *v.ci_high};
      values[v.name] = value;
    }
    json condition = {{"condition", c.info.condition},
                      {"kind", c.info.kind},
                      {"plugin_version", c.plugin_version},
                      {"samples", c.samples},
                      {"skipped", c.skipped},
                      {"gradient_evaluations", c.gradient_evaluations},
                      {"queries", c.queries},
                      {"seconds", c.seconds},
                      {"images_per_second", c.samples / std::max(c.seconds, 1e-9)},
                      {"metrics", values}};
    if (c.prompt_attack) condition["prompt_attack"] = core::prompt_attack_json(*c.prompt_attack);
    if (!c.error.empty()) condition["error"] = c.error;
    conditions.push_back(std::move(condition));
  }
  return {{"model", {{"spec", r.model_spec}, {"version", r.model_version}, {"sha256", r.model_hash}}},
          {"dataset", r.dataset},
          {"head", r.head},
          {"seed", r.seed},
          {"threads", r.threads},
          {"device", r.device},
          {"precision", r.precision},
          {"metrics", r.metric_specs},
          {"unreadable_images", r.unreadable},
          {"warnings", r.warnings},
          {"conditions", conditions}};
}

void print_table(const core::EvalReport& r) {
  std::cout << "model    " << r.model_spec << "\n         sha256 " << r.model_hash << "\n"
            << "dataset  " << r.dataset << "\nhead     " << r.head << "\nseed     " << r.seed << "\ndevice   " << r.device << " (" << r.precision
            << ")\n\n";
  std::cout << std::left << std::setw(44) << "CONDITION" << std::right << std::setw(7) << "N";
  std::vector<std::string> names;
  for (const auto& c : r.conditions)
    for (const auto& v : c.values)
      if (std::find(names.begin(), names.end(), v.name) == names.end()) names.push_back(v.name);
  for (const auto& n : names) std::cout << std::setw(24) << n;
  std::cout << std::setw(10) << "img/s"
            << "\n";
  for (const auto& c : r.conditions) {
    std::string name = c.info.condition.size() > 42 ? c.info.condition.substr(0, 39) + "..." : c.info.condition;
    std::cout << std::left << std::setw(44) << name << std::right << std::setw(7) << c.samples;
    if (!c.error.empty()) {
      std::cout << "  failed: " << c.error << "\n";
      continue;
    }
    for (const auto& n : names) {
      auto it = std::find_if(c.values.begin(), c.values.end(), [&](const MetricValue& v) { return v.name == n; });
      std::ostringstream cell;
      if (it != c.values.end()) {
        cell << core::format_metric_value(n, it->value);
        if (it->ci_low)
          cell << " [" << core::format_metric_value(n, *it->ci_low) << "," << core::format_metric_value(n, *it->ci_high)
               << "]";
      }
      std::cout << std::setw(24) << cell.str();
    }
    std::cout << std::setw(10) << std::fixed << std::setprecision(1) << c.samples / std::max(c.seconds, 1e-9) << "\n";
  }
  for (const auto& c : r.conditions) {
    if (!c.prompt_attack || c.prompt_attack->examples.empty()) continue;
    const core::PromptAttackSummary& p = *c.prompt_attack;
    std::cout << "\n"
              << c.info.condition << ": " << p.prompts_changed << " of " << p.prompts << " prompts changed (at most "
              << p.max_words_changed << " word(s)), attacked on " << p.points << " images, e.g.\n";
    for (std::size_t i = 0; i < std::min<std::size_t>(3, p.examples.size()); ++i)
      std::cout << "  \"" << p.examples[i].first << "\" -> \"" << p.examples[i].second << "\"\n";
  }
  if (!r.unreadable.empty())
    std::cout << "\n" << r.unreadable.size() << " image(s) could not be read and were skipped\n";
  for (const std::string& w : r.warnings) std::cout << "\nwarning: " << w << "\n";
}

int run(const GlobalOptions& global, const EvalArgs& args, const std::function<bool(const std::string&)>& given) {
  core::Registry registry = core::Registry::discover(search_path(global));
  for (const core::LoadFailure& f : registry.failures()) spdlog::warn("{}", f.message);
  // The config file first; flags given on the command line override its values and add conditions.
  core::EvalOptions options;
  if (!args.config.empty()) options = core::load_eval_config(args.config);
  if (given("--model")) options.model = parse_spec(args.model);
  if (given("--dataset")) options.dataset = args.dataset;
  for (const Spec& s : parse_specs(args.corruptions)) options.corruptions.push_back(s);
  for (const Spec& s : parse_specs(args.attacks)) options.attacks.push_back(s);
  for (const Spec& s : parse_specs(args.metrics)) options.metrics.push_back(s);
  if (!args.templates.empty()) options.templates = args.templates;
  if (given("--support-per-class")) options.support_per_class = args.support_per_class;
  if (given("--per-class")) options.per_class = args.per_class;
  if (given("--limit")) options.limit = args.limit;
  if (given("--prompt-attack-points")) options.prompt_attack_points = args.prompt_attack_points;
  if (given("--seed")) options.seed = args.seed;
  if (given("--batch-size")) options.batch_size = args.batch_size;
  if (given("--decode-threads")) options.decode_threads = args.decode_threads;
  options.cache_dir = args.no_cache             ? std::filesystem::path()
                      : !args.cache_dir.empty() ? std::filesystem::path(args.cache_dir)
                                                : core::HeadCache::default_directory();
  if (options.model.name.empty()) throw Error("roz eval: no model (give --model or 'model' in --config)");
  if (options.dataset.empty()) throw Error("roz eval: no dataset (give --dataset or 'dataset' in --config)");

  // An --out that cannot be written fails now, not after the evaluation (which it would discard).
  if (!args.out.empty()) {
    const std::filesystem::path dir = std::filesystem::absolute(args.out).parent_path();
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec) || ::access(dir.c_str(), W_OK) != 0)
      throw Error("cannot write the report to '" + args.out + "': its directory '" + dir.string() +
                  "' is missing or not writable");
  }
  core::PluginHost host(registry, options.seed, global.threads, global.device_or_cpu(),
                              global.precision_or_fp32());
  core::EvalReport report;
  {
    InterruptGuard interrupt(host.cancellation());
    report = core::evaluate(host, options);
  }
  json j = report_json(report);
  // Printed before --out is written: should that fail (a full disk), the numbers are still shown.
  if (args.json)
    std::cout << j.dump(2) << "\n";
  else
    print_table(report);
  if (!args.out.empty()) {
    core::write_text_atomically(args.out, j.dump(2) + "\n");
    spdlog::info("report written to {}", args.out);
  }
  // What finished is printed and written above; a failed condition still fails the command.
  int failed = 0;
  for (const core::ConditionReport& c : report.conditions) failed += c.error.empty() ? 0 : 1;
  if (failed > 0) {
    spdlog::error("{} of {} conditions did not finish (their errors are in the report)", failed, report.conditions.size());
    return 1;
  }
  return 0;
}

}  // namespace

void add_eval_command(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands) {
  auto args = std::make_shared<EvalArgs>();
  CLI::App* eval = app.add_subcommand("eval", "evaluate a model on a dataset, clean and under corruptions/attacks");
  eval->add_option("--config", args->config, "YAML config (same keys as the flags); flags override it")
      ->check(CLI::ExistingFile);
  eval->add_option("--model", args->model, "model spec, e.g. torchscript:path=model.pt,resolution=32");
  eval->add_option("--dataset", args->dataset,
                   "ImageFolder root (ROOT/CLASS/IMAGE), manifest file, or manifest name (e.g. fashion-mnist)");
  eval->add_option("--corruption", args->corruptions, "corruption spec, e.g. jpeg_compression:severity=3 (repeatable)");
  eval->add_option("--attack", args->attacks, "attack spec, e.g. fgsm:eps=4/255 (repeatable)");
  eval->add_option("--metric", args->metrics,
                   "per-condition metric spec (repeatable; default accuracy and attack_success)");
  eval->add_option("--template", args->templates, "prompt template with {} for the class name (repeatable)");
  eval->add_option("--support-per-class", args->support_per_class,
                   "build the head from the first K images of each class (class prototypes) instead of prompts");
  eval->add_option("--per-class", args->per_class, "evaluate at most N images per class (0: all)");
  eval->add_option("--limit", args->limit, "evaluate at most N images in all (0: all)");
  eval->add_option("--prompt-attack-points", args->prompt_attack_points,
                   "images a text-prompt attack edits the prompts on (balanced over classes; default 256)");
  eval->add_option("--seed", args->seed, "run seed; every per-sample seed derives from it");
  eval->add_option("--batch-size", args->batch_size, "images per batch")->check(CLI::PositiveNumber);
  eval->add_option("--decode-threads", args->decode_threads, "image decoding workers beside the model")
      ->check(CLI::Range(1, 256));
  eval->add_flag("--json", args->json, "print the report as JSON on stdout");
  eval->add_option("--cache-dir", args->cache_dir,
                   "prompt-head cache (default $ROZ_CACHE_DIR, $XDG_CACHE_HOME/roz or ~/.cache/roz)");
  eval->add_flag("--no-cache", args->no_cache, "compute the prompt head without the cache");
  eval->add_option("--out", args->out, "also write the JSON report to this file");
  auto given = [eval](const std::string& flag) { return eval->count(flag) > 0; };
  commands.push_back({eval, [&global, args, given] { return run(global, *args, given); }});
}

}  // namespace roz::cli

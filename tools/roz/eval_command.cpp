// roz eval: one model, one dataset, clean plus each --corruption and --attack condition: a one-model
// run (core/include/roz/core/evaluator.hpp) whose table and JSON read the result model.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <iomanip>
#include <iostream>

#include "commands.hpp"
#include "roz/core/eval_config.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/head_cache.hpp"
#include "roz/core/metric_display.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/report.hpp"
#include "roz/core/results.hpp"
#include "roz/core/registry.hpp"
#include "roz/error.hpp"

namespace roz::cli {

namespace {

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
  int bootstrap = 200;
  bool json = false;
  bool resume = false;
  std::string out;
  std::string cache_dir;
  bool no_cache = false;
};

std::vector<Spec> parse_specs(const std::vector<std::string>& texts) {
  std::vector<Spec> out;
  for (const auto& t : texts) out.push_back(parse_spec(t));
  return out;
}

// The metric names of the finished conditions, in order of appearance.
std::vector<std::string> value_names(const core::Results& r) {
  std::vector<std::string> names;
  for (const core::StoredSummary& row : r.rows)
    if (row.scope == "condition" && std::find(names.begin(), names.end(), row.value.name) == names.end())
      names.push_back(row.value.name);
  return names;
}

std::string value_cell(const core::Results& r, std::int64_t id, const std::string& name) {
  const core::StoredSummary* row = core::find_value(r, id, name);
  if (row == nullptr) return "";
  std::ostringstream cell;
  const Unit unit = row->value.unit;
  cell << core::format_metric_value(unit, row->value.value);
  if (row->value.ci_low)
    cell << " [" << core::format_metric_value(unit, *row->value.ci_low) << ","
         << core::format_metric_value(unit, *row->value.ci_high) << "]";
  return cell.str();
}

void print_header(const core::Results& r) {
  const core::StoredCondition& first = r.conditions.empty() ? r.unfinished.front() : r.conditions.front();
  std::cout << "model    " << first.info.model << "\n         sha256 " << first.model_hash << "\n"
            << "dataset  " << first.info.dataset << "\nseed     " << core::run_meta(r, "seed") << "\ndevice   "
            << core::run_meta(r, "device") << " (" << core::run_meta(r, "precision") << ")\n\n";
}

void print_prompt_attacks(const core::Results& r) {
  for (const core::StoredCondition& c : r.conditions) {
    if (!c.prompt_attack || c.prompt_attack->examples.empty()) continue;
    const core::PromptAttackSummary& p = *c.prompt_attack;
    std::cout << "\n"
              << c.info.condition << ": " << p.prompts_changed << " of " << p.prompts << " prompts changed (at most "
              << p.max_words_changed << " word(s)), attacked on " << p.points << " images, e.g.\n";
    for (std::size_t i = 0; i < std::min<std::size_t>(3, p.examples.size()); ++i)
      std::cout << "  \"" << p.examples[i].first << "\" -> \"" << p.examples[i].second << "\"\n";
  }
}

void print_table(const core::Results& r) {
  print_header(r);
  const std::vector<std::string> names = value_names(r);
  std::cout << std::left << std::setw(44) << "CONDITION" << std::right << std::setw(7) << "N";
  for (const auto& n : names) std::cout << std::setw(24) << n;
  std::cout << std::setw(10) << "img/s" << "\n";
  std::int64_t unreadable = 0;
  for (const core::StoredCondition& c : r.conditions) {
    const std::string& condition = c.info.condition;
    std::cout << std::left << std::setw(44) << (condition.size() > 42 ? condition.substr(0, 39) + "..." : condition)
              << std::right << std::setw(7) << c.samples;
    for (const auto& n : names) std::cout << std::setw(24) << value_cell(r, c.id, n);
    std::cout << std::setw(10) << std::fixed << std::setprecision(1) << c.samples / std::max(c.seconds, 1e-9) << "\n";
    unreadable = std::max(unreadable, c.unreadable);
  }
  for (const core::StoredCondition& c : r.unfinished) std::cout << core::unfinished_line(c) << "\n";
  print_prompt_attacks(r);
  if (unreadable > 0) std::cout << "\n" << unreadable << " image(s) could not be read and were skipped\n";
  for (const std::string& w : r.warnings) std::cout << "\nwarning: " << w << "\n";
}

core::EvalOptions options_from(const EvalArgs& args, const std::function<bool(const std::string&)>& given) {
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
  if (given("--bootstrap")) options.bootstrap = args.bootstrap;
  options.cache_dir = args.no_cache             ? std::filesystem::path()
                      : !args.cache_dir.empty() ? std::filesystem::path(args.cache_dir)
                                                : core::HeadCache::default_directory();
  options.out = args.out;
  options.resume = args.resume;
  return options;
}

int run_eval(const GlobalOptions& global, const EvalArgs& args, const std::function<bool(const std::string&)>& given) {
  core::Registry registry = core::Registry::discover(search_path(global));
  for (const core::LoadFailure& f : registry.failures()) spdlog::warn("{}", f.message);
  const core::EvalOptions options = options_from(args, given);
  core::eval_run_config(options);  // a missing model or dataset, a malformed spec: before anything else
  // An --out that cannot be written fails now, not after the evaluation.
  if (!options.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.out, ec);
    if (ec || ::access(options.out.c_str(), W_OK) != 0)
      throw Error("roz eval --out '" + options.out.string() + "': cannot write there" +
                  (ec ? " (" + ec.message() + ")" : ""));
  }
  core::PluginHost host(registry, options.seed, global.threads, global.device_or_cpu(), global.precision_or_fp32());
  core::Results results;
  {
    InterruptGuard interrupt(host.cancellation());
    results = core::evaluate(host, options);
  }
  // Printed before --out's report is written: should that fail (a full disk), the numbers are shown.
  if (args.json)
    std::cout << core::json_report(results);
  else
    print_table(results);
  if (!options.out.empty()) {
    const core::ReportFiles files = core::write_report(results, options.out);
    spdlog::info("results in {}, report in {}", (options.out / "results.db").string(), files.json.string());
  }
  // What finished is printed and stored above; a failed or interrupted condition still fails the command.
  if (!results.unfinished.empty() || host.cancellation().cancelled()) {
    spdlog::error("{} of {} conditions did not finish{}", results.unfinished.size(),
                  results.conditions.size() + results.unfinished.size(),
                  host.cancellation().cancelled() ? " (interrupted: --out DIR --resume continues)" : "");
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
  eval->add_option("--per-class", args->per_class,
                   "evaluate the first N images of every class in file order (0: all)");
  eval->add_option("--limit", args->limit, "evaluate the first N images in file order (after --per-class; 0: all)");
  eval->add_option("--prompt-attack-points", args->prompt_attack_points,
                   "images a text-prompt attack edits the prompts on (balanced over classes; default 256)");
  eval->add_option("--seed", args->seed, "run seed; every per-sample seed derives from it");
  eval->add_option("--batch-size", args->batch_size, "images per batch")->check(CLI::PositiveNumber);
  eval->add_option("--decode-threads", args->decode_threads, "image decoding workers beside the model")
      ->check(CLI::Range(1, 256));
  eval->add_flag("--json", args->json, "print the report as JSON on stdout (report.json's layout)");
  eval->add_option("--cache-dir", args->cache_dir,
                   "prompt-head cache (default $ROZ_CACHE_DIR, $XDG_CACHE_HOME/roz or ~/.cache/roz)");
  eval->add_flag("--no-cache", args->no_cache, "compute the prompt head without the cache");
  eval->add_option("--bootstrap", args->bootstrap, "bootstrap resamples for the 95% intervals (0: none)")
      ->check(CLI::NonNegativeNumber);
  eval->add_option("--out", args->out,
                   "keep the results store (DIR/results.db) and write the report there (report.json, .md, .html, "
                   "summary.csv); default: a temporary store");
  eval->add_flag("--resume", args->resume, "continue the evaluation stored in --out, recomputing nothing finished");
  auto given = [eval](const std::string& flag) { return eval->count(flag) > 0; };
  commands.push_back({eval, [&global, args, given] { return run_eval(global, *args, given); }});
}

}  // namespace roz::cli

// roz bench throughput: roz eval's clean throughput (records stored as roz eval stores them) next to the model's bare forward throughput
// (same model, head, batch size and threads, in one process), so decode/preprocessing overhead shows
// as their ratio. Medians over --repeats runs.
#include <c10/core/GradMode.h>
#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"
#include "commands.hpp"
#include "roz/core/dataset_lookup.hpp"
#include "roz/core/batch_loader.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/head_cache.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/registry.hpp"
#include "roz/core/zero_shot_head.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"

namespace roz::cli {

namespace {

struct BenchArgs {
  std::string model, dataset;
  std::size_t limit = 2048;
  std::int64_t batch_size = 64;
  int repeats = 5;
  int decode_threads = 1;
  bool json = false;
};

int run_bench(const GlobalOptions& global, const BenchArgs& args) {
  core::Registry registry = core::Registry::discover(search_path(global));
  core::PluginHost host(registry, 0, global.threads, global.device_or_cpu(),
                              global.precision_or_fp32());

  core::EvalOptions options;
  options.model = parse_spec(args.model);
  options.dataset = args.dataset;
  options.limit = args.limit;
  options.batch_size = args.batch_size;
  options.cache_dir = core::HeadCache::default_directory();
  options.decode_threads = args.decode_threads;
  options.metrics = {parse_spec("accuracy")};
  options.bootstrap = 0;  // what is timed is the evaluation (its records stored), not the report

  // Bare forward: one decoded batch, already a tensor, through encode_image + head, as many batches
  // as the evaluation runs.
  std::unique_ptr<datasets::Dataset> dataset = datasets::open_dataset(args.dataset, core::dataset_manifest_dirs());
  std::shared_ptr<Model> model = host.create_model(options.model);
  const core::LoadedBatch first =
      first_batch(*dataset, model->preprocessing(), static_cast<std::size_t>(args.batch_size), global.threads);
  at::Tensor batch = core::to_tensor(first.images).to(host.device());
  PromptSet prompts{dataset->class_names(),
                    dataset->templates().empty() ? std::vector<std::string>{"a photo of a {}."} : dataset->templates()};
  core::ZeroShotClassifier classifier(model, core::ZeroShotHead::from_prompts(*model, prompts, 256));
  const std::size_t total = std::min(args.limit, dataset->samples().size());
  const std::size_t batches = (total + static_cast<std::size_t>(batch.size(0)) - 1) / static_cast<std::size_t>(batch.size(0));

  std::vector<double> forward_rates, eval_rates;
  for (int r = 0; r < args.repeats; ++r) {
    auto start = std::chrono::steady_clock::now();
    {
      c10::NoGradGuard no_grad;
      for (std::size_t b = 0; b < batches; ++b) classifier.logits(batch).to(at::kCPU);  // as eval reads them
    }
    synchronize(host.device());
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    forward_rates.push_back(static_cast<double>(batches) * static_cast<double>(batch.size(0)) / seconds);

    const core::Results results = core::evaluate(host, options);
    if (results.conditions.empty())
      throw Error("roz bench throughput: the clean evaluation failed: " + results.unfinished.front().error);
    const core::StoredCondition& clean = results.conditions.front();
    eval_rates.push_back(static_cast<double>(clean.samples) / clean.seconds);
  }
  const double forward = median(forward_rates), eval = median(eval_rates);
  nlohmann::json out{{"model", args.model},          {"dataset", args.dataset},   {"images", total},
                     {"batch_size", args.batch_size}, {"threads", global.threads}, {"repeats", args.repeats}, {"decode_threads", args.decode_threads},
                     {"device", host.device().str()}, {"precision", to_string(host.precision())},
                     {"forward_img_per_s", forward},  {"eval_img_per_s", eval},    {"eval_over_forward", eval / forward},
                     {"forward_runs", forward_rates}, {"eval_runs", eval_rates}};
  if (args.json) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "bare forward (encode_image + head): " << forward << " img/s\n"
              << "roz eval, clean condition:          " << eval << " img/s\n"
              << "ratio eval/forward:                 " << eval / forward << "  (medians of " << args.repeats
              << " runs, batch " << args.batch_size << ", " << global.threads << " threads, " << total << " images)\n";
  }
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands) {
  CLI::App* bench = app.add_subcommand("bench", "benchmarks")->require_subcommand(1);
  auto args = std::make_shared<BenchArgs>();
  CLI::App* throughput =
      bench->add_subcommand("throughput", "roz eval's clean throughput against the bare forward pass of the model");
  throughput->add_option("--model", args->model, "model spec")->required();
  throughput->add_option("--dataset", args->dataset, "dataset (directory, manifest or name)")->required();
  throughput->add_option("--limit", args->limit, "images per run");
  throughput->add_option("--batch-size", args->batch_size, "images per batch")->check(CLI::PositiveNumber);
  throughput->add_option("--repeats", args->repeats, "runs; medians are reported")->check(CLI::PositiveNumber);
  throughput->add_option("--decode-threads", args->decode_threads, "image decoding workers beside the model")
      ->check(CLI::Range(1, 256));
  throughput->add_flag("--json", args->json, "JSON on stdout");
  commands.push_back({throughput, [&global, args] { return run_bench(global, *args); }});
  add_bench_corruptions_command(*bench, global, commands);
  add_bench_attack_command(*bench, global, commands);
  add_bench_overlap_command(*bench, global, commands);
  add_bench_preprocess_command(*bench, global, commands);
}

}  // namespace roz::cli

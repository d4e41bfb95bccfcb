// roz bench attack: the cost of one step of an attack next to a bare forward + backward pass with
// respect to the input, same model, head and points, in one process. Bare cost per point = pass time
// / points, on the points of the batch the attack iterates on (those classified correctly). Two attack costs per point-step: overall (attack time / gradient evaluations, fixed
// costs such as finding the correct points included; points leaving early make later steps smaller
// batches, the conservative side) and marginal (the extra time of the same attack with twice the
// steps over its extra gradient evaluations: what one more step costs). Medians over --repeats.
#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/csrc/autograd/autograd.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"
#include "commands.hpp"
#include "roz/attack.hpp"
#include "roz/core/dataset_lookup.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/registry.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/model.hpp"

namespace roz::cli {

namespace {

struct BenchAttackArgs {
  std::string model, dataset, attack = "pgd:eps=1/255,steps=20";
  std::int64_t batch_size = 64;
  int repeats = 5;
  bool json = false;
};

int run_bench_attack(const GlobalOptions& global, const BenchAttackArgs& args) {
  core::Registry registry = core::Registry::discover(search_path(global));
  core::PluginHost host(registry, 0, global.threads, global.device_or_cpu(),
                              global.precision_or_fp32());
  std::unique_ptr<datasets::Dataset> dataset = datasets::open_dataset(args.dataset, core::dataset_manifest_dirs());
  std::shared_ptr<Model> model = host.create_model(parse_spec(args.model));
  const core::LoadedBatch batch =
      first_batch(*dataset, model->preprocessing(), static_cast<std::size_t>(args.batch_size), global.threads);
  PromptSet prompts{dataset->class_names(),
                    dataset->templates().empty() ? std::vector<std::string>{"a photo of a {}."} : dataset->templates()};
  std::shared_ptr<Classifier> classifier = host.create_classifier(model, prompts);
  const at::Tensor images = core::to_tensor(batch.images).to(host.device());
  std::vector<std::int64_t> label_values;
  std::vector<std::uint64_t> seeds;
  for (const auto& s : batch.samples) {
    label_values.push_back(s.label);
    seeds.push_back(seeds.size());
  }
  const at::Tensor labels = at::tensor(label_values, at::kLong).to(host.device());
  const Spec spec = parse_spec(args.attack);
  std::shared_ptr<Attack> attack = host.create_attack(spec);
  std::shared_ptr<Attack> doubled;  // the same attack with twice the steps, when it has steps
  if (const core::ResolvedPlugin resolved = host.resolve(PluginKind::attack, spec); resolved.params.has("steps")) {
    Spec twice = spec;
    std::erase_if(twice.params, [](const auto& kv) { return kv.first == "steps"; });
    SpecValue steps;
    steps.text = std::to_string(2 * resolved.params.get_int("steps"));
    twice.params.emplace_back("steps", steps);
    doubled = host.create_attack(twice);
  }
  // The bare pass runs on the points the attack iterates on (those classified correctly): per-point
  // costs depend on the batch size, so both sides see the same batch.
  at::Tensor correct;
  {
    c10::NoGradGuard no_grad;
    correct = classifier->logits(images).argmax(1).eq(labels).nonzero().squeeze(1);
  }
  if (correct.numel() == 0) throw Error("bench attack: no point of the batch is classified correctly");
  const at::Tensor attacked_images = images.index_select(0, correct), attacked_labels = labels.index_select(0, correct);
  const auto n = static_cast<double>(correct.numel());
  auto timed = [&](Attack& a, std::int64_t& evaluations) {
    const auto start = std::chrono::steady_clock::now();
    AttackResult result = a.perturb(*classifier, {images, labels, seeds, &prompts});
    synchronize(host.device());
    evaluations = result.gradient_evaluations;
    if (evaluations == 0) throw Error("bench attack: '" + args.attack +
                                      "' used no gradients (a score-based attack, or no point of the batch classified correctly)");
    return seconds_since(start);
  };

  std::vector<double> bare, step, ratios, marginal_ratios;
  std::int64_t evaluations = 0, evaluations2 = 0;
  // The bare side runs as many passes back to back as the attack evaluates gradients (learnt in the
  // warm-up), so both sides are sustained loops of about the same length: one short pass is noisy.
  std::int64_t passes = 1;
  for (int r = 0; r <= args.repeats; ++r) {  // r == 0 warms up
    auto start = std::chrono::steady_clock::now();
    for (std::int64_t p = 0; p < passes; ++p) {
      at::Tensor x = attacked_images.detach().clone().set_requires_grad(true);
      at::Tensor loss = at::cross_entropy_loss(classifier->logits(x), attacked_labels, {}, at::Reduction::Sum);
      torch::autograd::grad({loss}, {x});
    }
    synchronize(host.device());
    const double pass = seconds_since(start) / (n * static_cast<double>(passes));
    const double elapsed = timed(*attack, evaluations);
    passes = std::max<std::int64_t>(1, (evaluations + correct.numel() - 1) / correct.numel());
    const double elapsed2 = doubled ? timed(*doubled, evaluations2) : 0.0;
    if (r == 0) continue;
    bare.push_back(pass);
    step.push_back(elapsed / static_cast<double>(evaluations));
    ratios.push_back(step.back() / pass);
    if (doubled && evaluations2 > evaluations)
      marginal_ratios.push_back((elapsed2 - elapsed) / static_cast<double>(evaluations2 - evaluations) / pass);
  }
  const double ratio = median(ratios);
  const double marginal = marginal_ratios.empty() ? 0.0 : median(marginal_ratios);
  nlohmann::json out{{"model", args.model},           {"dataset", args.dataset},  {"attack", args.attack},
                     {"batch_size", images.size(0)}, {"correct_points", correct.numel()},  {"threads", global.threads}, {"repeats", args.repeats},
                     {"device", host.device().str()}, {"precision", to_string(host.precision())},
                     {"bare_ms_per_point", 1e3 * median(bare)}, {"step_ms_per_point", 1e3 * median(step)},
                     {"gradient_evaluations", evaluations},     {"step_over_bare", ratio},
                     {"marginal_step_over_bare", marginal},     {"ratios", ratios}, {"marginal_ratios", marginal_ratios}};
  if (args.json) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << "bare forward+backward w.r.t. the input: " << 1e3 * median(bare) << " ms per point\n"
              << "attack step (" << args.attack << "): " << 1e3 * median(step) << " ms per point-step ("
              << evaluations << " gradient evaluations per run)\n"
              << "ratio step/bare, overall:  " << ratio << "\n";
    if (!marginal_ratios.empty()) std::cout << "ratio step/bare, marginal: " << marginal << "  (one more step, from twice the steps)\n";
    std::cout << "(medians of " << args.repeats << " paired runs, batch " << images.size(0) << ", " << global.threads
              << " threads)\n";
  }
  return 0;
}

}  // namespace

void add_bench_attack_command(CLI::App& bench, const GlobalOptions& global, std::vector<Command>& commands) {
  auto args = std::make_shared<BenchAttackArgs>();
  CLI::App* cmd = bench.add_subcommand("attack", "cost of an attack step against a bare forward+backward pass");
  cmd->add_option("--model", args->model, "model spec")->required();
  cmd->add_option("--dataset", args->dataset, "dataset (directory, manifest or name)")->required();
  cmd->add_option("--attack", args->attack, "gradient attack spec (default pgd:eps=1/255,steps=20)");
  cmd->add_option("--batch-size", args->batch_size, "points per batch")->check(CLI::PositiveNumber);
  cmd->add_option("--repeats", args->repeats, "paired runs; medians are reported")->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json, "JSON on stdout");
  commands.push_back({cmd, [&global, args] { return run_bench_attack(global, *args); }});
}

}  // namespace roz::cli

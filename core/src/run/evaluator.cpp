#include "roz/core/evaluator.hpp"

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>

#include "roz/core/plugin_host.hpp"
#include "roz/core/results_store.hpp"
#include "roz/core/runner.hpp"
#include "roz/error.hpp"

namespace roz::core {

namespace {

using nlohmann::json;

json spec_strings(const std::vector<Spec>& specs) {
  json out = json::array();
  for (const Spec& s : specs) out.push_back(s.to_string());
  return out;
}

// A store directory of its own in the temporary directory, removed with everything in it.
class TemporaryStore {
 public:
  TemporaryStore() {
    std::string pattern = (std::filesystem::temp_directory_path() / "roz-eval.XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr)
      throw Error("roz eval: cannot make a temporary results store in '" +
                  std::filesystem::temp_directory_path().string() + "' (give --out DIR)");
    dir_ = pattern;
  }
  ~TemporaryStore() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TemporaryStore(const TemporaryStore&) = delete;
  TemporaryStore& operator=(const TemporaryStore&) = delete;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace

RunConfig eval_run_config(const EvalOptions& o) {
  if (o.model.name.empty()) throw Error("roz eval: no model (give --model or 'model' in --config)");
  if (o.dataset.empty()) throw Error("roz eval: no dataset (give --dataset or 'dataset' in --config)");
  json dataset{{"name", o.dataset}};
  if (o.per_class > 0) dataset["per_class"] = o.per_class;
  if (o.limit > 0) dataset["limit"] = o.limit;
  if (o.support_per_class > 0) dataset["support_per_class"] = o.support_per_class;
  const std::vector<Spec> metrics =
      o.metrics.empty() ? std::vector<Spec>{parse_spec("accuracy"), parse_spec("attack_success")} : o.metrics;
  json config{{"models", spec_strings({o.model})},
              {"datasets", json::array({dataset})},
              {"corruptions", spec_strings(o.corruptions)},
              {"attacks", spec_strings(o.attacks)},
              {"metrics", spec_strings(metrics)},
              {"seed", o.seed},
              {"batch_size", o.batch_size},
              {"prompt_attack_points", o.prompt_attack_points},
              {"bootstrap", o.bootstrap}};
  if (!o.templates.empty()) config["templates"] = o.templates;
  // JSON is YAML: the run config reader parses (and checks) it as it parses a written config.
  return parse_run_config(config.dump(2) + "\n", "roz eval");
}

Results evaluate(PluginHost& host, const EvalOptions& options) {
  RunOptions run;
  run.config = eval_run_config(options);
  std::optional<TemporaryStore> temporary;
  if (options.out.empty()) temporary.emplace();
  run.out = temporary ? temporary->dir() : options.out;
  run.resume = options.resume;
  run.cache_dir = options.cache_dir;
  run.decode_threads = options.decode_threads;
  run.keep_going = true;
  try {
    run_benchmark(host, run);
  } catch (const std::exception&) {
    // Interrupted: the results of what finished (the store keeps them); anything else is fatal.
    if (!host.cancellation().cancelled()) throw;
  }
  ResultsStore store(shard_database(run.out, 0, 1));
  return compute_results(host, store, stored_report_options(store));
}

}  // namespace roz::core

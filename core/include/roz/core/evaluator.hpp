// `roz eval`: one model on one dataset under a list of conditions (clean, each corruption, each
// attack). It is a one-model run (runner.hpp): its records go to a results store, and its numbers
// are the result model's (results.hpp), computed as `roz run` / `roz report` compute them.
//
//   EvalOptions o;
//   o.model = parse_spec("mini_clip");
//   o.dataset = "fashion-mnist";
//   o.attacks = {parse_spec("pgd:eps=4/255")};
//   Results r = evaluate(host, o);  // r.conditions: clean, then pgd
//
// Not thread-safe: one evaluation per PluginHost at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "roz/core/results.hpp"
#include "roz/core/run_config.hpp"
#include "roz/spec.hpp"

namespace roz::core {

class PluginHost;

struct EvalOptions {
  Spec model;
  std::string dataset;  // ImageFolder root, manifest file or manifest name (e.g. fashion-mnist)
  std::vector<Spec> corruptions;
  std::vector<Spec> attacks;
  std::vector<Spec> metrics;  // empty: accuracy and attack_success
  // Head: class prototypes from the first `support_per_class` images of each class (those are then
  // not evaluated) when > 0, else the prompt ensemble over `templates` (empty: the dataset's own,
  // else "a photo of a {}.").
  std::size_t support_per_class = 0;
  std::vector<std::string> templates;
  std::size_t per_class = 0;  // evaluated images per class; 0 = all
  std::size_t limit = 0;      // evaluated images in all (the first, after per_class); 0 = all
  // Text-prompt attacks edit the prompts once per condition, on the first points / classes (rounded
  // up) evaluation images of each class; the attacked head then classifies every evaluated image.
  std::size_t prompt_attack_points = 256;
  std::uint64_t seed = 0;
  std::int64_t batch_size = 64;
  std::filesystem::path cache_dir;  // prompt-head cache; empty: no caching
  // Decoding overlaps the model, which already keeps the compute threads busy: one low-priority
  // decode worker keeps up with real models without stalling their OpenMP barriers (measured with
  // roz bench throughput; raise it for cheap models on many cores).
  int decode_threads = 1;
  int bootstrap = 200;         // resamples per condition for the 95% intervals; 0: none
  std::filesystem::path out;   // the results store's directory; empty: a temporary one
  bool resume = false;         // continue the evaluation stored in `out`
};

// The run an evaluation is: one model, one dataset (role in_distribution), its conditions and
// metrics, written as config text (stored with the records) and parsed back, so the store of an
// evaluation reads like any run's (roz report, roz run --resume).
RunConfig eval_run_config(const EvalOptions& options);

// Runs the evaluation into options.out (DIR/results.db; without one, a temporary store removed
// afterwards) and computes its result model (results.hpp). A condition that fails is stored as
// failed and listed in Results::unfinished with its error, and the others run; an interruption
// stops the run, and the results of what finished are returned (PluginHost::cancellation() says
// so). Throws when nothing can be evaluated (unknown plugin, unreadable dataset, a head that cannot
// be built, an --out that holds another run).
Results evaluate(PluginHost& host, const EvalOptions& options);

}  // namespace roz::core

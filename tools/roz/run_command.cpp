// roz run CONFIG --out DIR [--resume] [--shard I/N]; roz report DIR; roz merge DIR [DB...].
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <iostream>

#include "commands.hpp"
#include "roz/core/head_cache.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/registry.hpp"
#include "roz/core/report.hpp"
#include "roz/core/results.hpp"
#include "roz/core/results_store.hpp"
#include "roz/core/runner.hpp"
#include "roz/device.hpp"
#include "roz/error.hpp"

namespace roz::cli {

namespace {

namespace fs = std::filesystem;

std::pair<int, int> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  long long index = 0, count = 0;
  if (slash == std::string::npos || !parse_integer(text.substr(0, slash), index) ||
      !parse_integer(text.substr(slash + 1), count) || count < 1 || index < 0 || index >= count)
    throw Error("--shard '" + text + "': expected I/N with 0 <= I < N (e.g. 0/4; Slurm: $SLURM_ARRAY_TASK_ID/N)");
  return {static_cast<int>(index), static_cast<int>(count)};
}

void print_report(const core::ReportFiles& files) {
  std::cout << "report: " << files.html.string() << "\n        " << files.markdown.string() << "\n        "
            << files.csv.string() << "\n        " << files.json.string() << "\n";
}

core::ReportFiles report(core::PluginHost& host, core::ResultsStore& store, const fs::path& dir) {
  return core::write_report(core::compute_results(host, store, core::stored_report_options(store)), dir);
}

struct RunArgs {
  std::string config, out, shard = "0/1", cache_dir, report_to;
  bool resume = false, no_report = false, no_cache = false;
  std::vector<std::string> databases;
};

int run_command(const GlobalOptions& global, const RunArgs& args) {
  core::Registry registry = discover_logging_failures(global);
  core::RunOptions o;
  o.config = core::load_run_config(args.config);
  o.out = args.out;
  o.resume = args.resume;
  std::tie(o.shard, o.shards) = parse_shard(args.shard);
  o.cache_dir = args.no_cache            ? fs::path()
                : args.cache_dir.empty() ? core::HeadCache::default_directory()
                                         : fs::path(args.cache_dir);
  o.progress_bar = isatty(STDERR_FILENO) != 0;
  const std::string device = global.device.empty() ? o.config.device : global.device;
  parse_device(device, global.device.empty() ? "config key 'device'" : "--device");
  const core::Precision precision = global.precision.empty() ? o.config.precision : global.precision_or_fp32();
  core::PluginHost host(registry, o.config.seed, global.threads, device, precision);
  core::RunResult result;
  {
    InterruptGuard interrupt(host.cancellation());
    try {
      result = core::run_benchmark(host, o);
    } catch (const Error& e) {
      if (!host.cancellation().cancelled()) throw;
      throw Error(std::string(e.what()) + "; what was computed is stored: rerun with --resume");
    }
  }
  spdlog::info("{}: {} cells, {} computed, {} kept from before, {} not applicable", result.database.string(),
               result.cells, result.ran, result.reused, result.not_applicable);
  if (args.no_report || o.shards > 1) {
    if (o.shards > 1)
      std::cout << "shard stored in " << result.database.string() << "; join the shards with `roz merge "
                << o.out.string() << "`\n";
    return 0;
  }
  core::ResultsStore store(result.database);
  print_report(report(host, store, o.out));
  return 0;
}

int report_command(const GlobalOptions& global, const RunArgs& args) {
  core::Registry registry = discover_logging_failures(global);
  const fs::path db = fs::path(args.out) / "results.db";
  if (!fs::exists(db)) throw Error("'" + db.string() + "' does not exist (run roz run, or roz merge)");
  const bool elsewhere = !args.report_to.empty();
  if (!elsewhere && ::access(args.out.c_str(), W_OK) != 0)
    throw Error("'" + args.out + "' is not writable: give --to DIR for the report");
  core::ResultsStore store(db,
                           elsewhere ? core::ResultsStore::Access::read_only : core::ResultsStore::Access::read_write);
  core::PluginHost host(registry, 0, global.threads, global.device_or_cpu(), global.precision_or_fp32());
  print_report(report(host, store, elsewhere ? fs::path(args.report_to) : fs::path(args.out)));
  return 0;
}

// The shard databases to merge: those named, else DIR/results.shard-*.db, in name order.
std::vector<fs::path> shard_inputs(const RunArgs& args) {
  const fs::path dir = args.out;
  std::vector<fs::path> inputs(args.databases.begin(), args.databases.end());
  if (inputs.empty())
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().filename().string().rfind("results.shard-", 0) == 0 && entry.path().extension() == ".db")
        inputs.push_back(entry.path());
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) throw Error("merge: no results.shard-*.db in '" + dir.string() + "'");
  return inputs;
}

int merge_command(const GlobalOptions& global, const RunArgs& args) {
  const fs::path dir = args.out;
  const std::vector<fs::path> inputs = shard_inputs(args);
  core::ResultsStore store(dir / "results.db");
  for (const fs::path& input : inputs) {
    core::ResultsStore shard(input);
    const std::optional<std::string> config = shard.meta("config");
    if (!config) throw Error("merge: '" + input.string() + "' holds no run");
    if (std::optional<std::string> mine = store.meta("config")) {
      if (*mine != *config) throw Error("merge: '" + input.string() + "' was run with another config");
    } else {
      for (const char* key : {"config", "config_source", "seed", "roz_version"})
        if (std::optional<std::string> v = shard.meta(key)) store.set_meta(key, *v);
    }
    store.merge_from(input);
    spdlog::info("merged {}", input.string());
  }
  core::Registry registry = discover_logging_failures(global);
  core::PluginHost host(registry, 0, global.threads, global.device_or_cpu(), global.precision_or_fp32());
  print_report(report(host, store, dir));
  return 0;
}

}  // namespace

void add_run_commands(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* run = app.add_subcommand("run", "run a benchmark config (models x datasets x conditions), then report");
  run->add_option("config", args->config, "YAML config (docs/user-guide.md#roz-run)")
      ->required()
      ->check(CLI::ExistingFile);
  run->add_option("--out", args->out, "output directory: results.db and the report")->required();
  run->add_flag("--resume", args->resume, "continue the run stored in --out, recomputing nothing finished");
  run->add_option("--shard", args->shard, "run every N-th cell starting at I (I/N), into its own database");
  run->add_option("--cache-dir", args->cache_dir, "prompt-head cache (default as roz eval)");
  run->add_flag("--no-cache", args->no_cache, "compute the prompt heads without the cache");
  run->add_flag("--no-report", args->no_report, "store the results only");
  commands.push_back({run, [&global, args] { return run_command(global, *args); }});

  CLI::App* rep = app.add_subcommand("report", "compute the metrics of a run directory and write its report");
  rep->add_option("dir", args->out, "run directory (holding results.db)")->required()->check(CLI::ExistingDirectory);
  rep->add_option("--to", args->report_to,
                  "write the report here and leave DIR untouched (reads results.db read-only: read-only storage)");
  commands.push_back({rep, [&global, args] { return report_command(global, *args); }});

  CLI::App* merge = app.add_subcommand("merge", "join shard databases into DIR/results.db and report");
  merge->add_option("dir", args->out, "run directory")->required()->check(CLI::ExistingDirectory);
  merge->add_option("databases", args->databases, "shard databases (default: DIR/results.shard-*.db)");
  commands.push_back({merge, [&global, args] { return merge_command(global, *args); }});
}

}  // namespace roz::cli

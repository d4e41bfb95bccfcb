// roz: the RoZ command line.
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <thread>

#include "commands.hpp"
#include "roz/abi.hpp"
#include "roz/device.hpp"
#include "roz/core/address_space.hpp"
#include "roz/core/guard.hpp"
#include "roz/core/logging.hpp"
#include "roz/core/plugin_library.hpp"
#include "roz/core/registry.hpp"
#include "roz/datasets/resource_limits.hpp"
#include "roz/error.hpp"

namespace roz::cli {

std::vector<std::filesystem::path> search_path(const GlobalOptions& global) {
  std::vector<std::filesystem::path> paths(global.plugin_paths.begin(), global.plugin_paths.end());
  return core::plugin_search_path(paths);
}

core::Registry discover_logging_failures(const GlobalOptions& global) {
  core::Registry registry = core::Registry::discover(search_path(global));
  for (const core::LoadFailure& f : registry.failures()) spdlog::warn("{}", f.message);
  return registry;
}

}  // namespace roz::cli

int main(int argc, char** argv) {
  CLI::App app{"roz: zero-shot robustness benchmark for CLIP-style models"};
  app.fallthrough();  // global options may follow the subcommand
  roz::cli::GlobalOptions global;
  int verbose = 0, quiet = 0;
  bool version = false;
  app.add_flag("--version", version, "print version, plugin ABI and LibTorch version");
  app.add_flag("-v,--verbose", verbose, "more log output (repeat for trace)");
  app.add_flag("-q,--quiet", quiet, "less log output (repeat for errors only)");
  app.add_option("--plugin-path", global.plugin_paths,
                 "plugin directory or file, searched before ROZ_PLUGIN_PATH and the built-in plugins (repeatable)")
      ->type_name("PATH");
  app.add_option("--threads", global.threads, "compute threads (0: all cores)")->check(CLI::NonNegativeNumber);
  app.add_option("--device", global.device,
                 "where models and tensor work run: cpu, cuda or cuda:N (default: a run config's device, else cpu)")
      ->type_name("DEVICE");
  app.add_option("--precision", global.precision,
                 "model forward passes: fp32, or bf16 / fp16 autocast (default: a run config's precision, else fp32)")
      ->type_name("PRECISION");

  std::vector<roz::cli::Command> commands;
  roz::cli::add_plugins_command(app, global, commands);
  roz::cli::add_eval_command(app, global, commands);
  roz::cli::add_tokenize_command(app, commands);
  roz::cli::add_embed_command(app, global, commands);
  roz::cli::add_corrupt_command(app, global, commands);
  roz::cli::add_bench_command(app, global, commands);
  roz::cli::add_train_command(app, global, commands);
  roz::cli::add_run_commands(app, global, commands);
  roz::cli::add_overlap_commands(app, global, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (version) {
    std::cout << "roz " << ROZ_VERSION << " (plugin ABI " << roz::kAbiMajor << "." << roz::kAbiMinor << ", LibTorch "
              << roz::core::host_torch_version() << ", " << roz::core::host_cxx_abi()
              << "; CUDA devices: " << (torch::cuda::is_available() ? torch::cuda::device_count() : 0) << ")\n";
    return 0;
  }
  roz::core::init_logging(verbose - quiet);
  roz::core::warn_if_address_space_is_short();
  try {
    if (!global.device.empty()) roz::parse_device(global.device, "--device");  // one clear error before any work
    global.precision_or_fp32();
    roz::datasets::resource_limits();  // a malformed ROZ_MAX_* is one error now, before any work
  } catch (const std::exception& e) {
    spdlog::error("{}", roz::core::error_message(e));
    return 2;
  }
  int threads = global.threads > 0 ? global.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  global.threads = threads;
  // Also OpenMP's thread count for BLAS, and MKL's dynamic thread count off: a BLAS call takes the
  // same threads however busy the machine, so results repeat bit for bit.
  at::set_num_threads(threads);

  for (const roz::cli::Command& command : commands) {
    if (!command.app->parsed()) continue;
    try {
      return command.run();
    } catch (const std::exception& e) {
      spdlog::error("{}", roz::core::error_message(e));
      return 1;
    }
  }
  std::cout << app.help();
  return app.get_subcommands().empty() ? 2 : 0;
}

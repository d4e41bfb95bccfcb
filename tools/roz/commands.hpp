// The roz subcommands; each file registers one command family on the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "roz/context.hpp"
#include "roz/core/precision.hpp"

namespace roz::core {
class Registry;
}

namespace roz::cli {

struct GlobalOptions {
  std::vector<std::string> plugin_paths;
  int threads = 0;  // 0: all hardware threads
  std::string device;  // --device: where models and tensor work run; empty: not given (a config's, else cpu)
  std::string device_or_cpu() const { return device.empty() ? "cpu" : device; }
  std::string precision;  // --precision: fp32, bf16 or fp16 forward passes; empty: not given (a config's, else fp32)
  core::Precision precision_or_fp32() const {
    return precision.empty() ? core::Precision::fp32 : core::parse_precision(precision, "--precision");
  }
};

// A leaf command: run after parsing, once logging and threads are set up. Returns the exit code.
struct Command {
  CLI::App* app;
  std::function<int()> run;
};

void add_plugins_command(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands);
void add_eval_command(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands);
void add_tokenize_command(CLI::App& app, std::vector<Command>& commands);
void add_embed_command(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands);
void add_train_command(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands);
void add_bench_command(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands);
void add_bench_corruptions_command(CLI::App& bench, const GlobalOptions& global, std::vector<Command>& commands);
void add_bench_attack_command(CLI::App& bench, const GlobalOptions& global, std::vector<Command>& commands);
void add_bench_overlap_command(CLI::App& bench, const GlobalOptions& global, std::vector<Command>& commands);
void add_bench_preprocess_command(CLI::App& bench, const GlobalOptions& global, std::vector<Command>& commands);
void add_corrupt_command(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands);

void add_run_commands(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands);
void add_overlap_commands(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands);

std::vector<std::filesystem::path> search_path(const GlobalOptions& global);
// The plugins on the search path, each library that failed to load logged as a warning (roz plugins
// and roz run list what is there; the other commands name failures only when a plugin they ask for
// is missing).
core::Registry discover_logging_failures(const GlobalOptions& global);

// While it lives, SIGINT (Ctrl-C) and SIGTERM (kill, a batch scheduler's time limit) cancel `token`
// (the work stops between batches, keeping what is stored) instead of killing roz.
class InterruptGuard {
 public:
  explicit InterruptGuard(CancellationToken& token);
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  void (*previous_interrupt_)(int);
  void (*previous_terminate_)(int);
};

}  // namespace roz::cli

// `roz run`: the benchmark grid (models x datasets x conditions) through the image pipeline, every
// per-sample record stored as it is computed (results_store.hpp). Resuming skips finished cells and,
// inside an unfinished one, the batches already stored; per-sample seeds and fixed batch boundaries
// make the resumed results identical to an uninterrupted run's. `--shard I/N` runs every N-th cell.
#pragma once

#include <filesystem>
#include <string>

#include "roz/core/run_config.hpp"

namespace roz::core {

class PluginHost;

struct RunOptions {
  RunConfig config;
  std::filesystem::path out;
  bool resume = false;
  int shard = 0;  // this process runs the cells with index % shards == shard
  int shards = 1;
  std::filesystem::path cache_dir;  // prompt-head cache; empty: none
  bool progress_bar = false;        // a live bar (terminals); else plain log lines
  int decode_threads = 1;           // image decoding workers beside the model
  // A cell that throws is stored as failed with its error (ConditionStore::fail); with keep_going
  // the other cells still run (roz eval), without it the run stops there (roz run). An
  // interruption (Cancelled) always stops the run.
  bool keep_going = false;
};

struct RunResult {
  std::filesystem::path database;
  int cells = 0;           // in this shard
  int ran = 0;             // computed (wholly or the rest of a resumed one)
  int reused = 0;          // already finished in the store
  int failed = 0;          // stored as failed (keep_going)
  int not_applicable = 0;  // text attacks on image classifiers (no prompts to attack): not stored
};

// DIR/results.db, or DIR/results.shard-I-of-N.db for one shard of several (roz merge joins them).
std::filesystem::path shard_database(const std::filesystem::path& out, int shard, int shards);

// Throws on a malformed grid (unknown plugin or parameter, missing dataset) before computing
// anything; an existing store without `resume` is an error too, so nothing stored is overwritten.
RunResult run_benchmark(PluginHost& host, const RunOptions& options);

}  // namespace roz::core

// The conditions table of a results store (results_store.hpp): one row per grid cell (model,
// dataset, condition) with its resolved spec, the versions it ran with, its status (and the error
// of a failed one) and the cost counters its batches add up. Owned by its ResultsStore and valid while it lives; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "roz/core/prompt_attack_summary.hpp"
#include "roz/metric.hpp"

namespace roz::core {

struct StoreDatabase;

// A grid cell: one (model, dataset, condition), as the run resolved it.
struct StoredCondition {
  std::int64_t id = 0;
  std::string key;        // identifies the cell across runs, shards and merges
  std::int64_t cell = 0;  // its index in the run's grid: reports list conditions in grid order
  ConditionInfo info;
  std::string model_hash, model_version, plugin_version;
  std::string status = "running";  // running | done | failed
  std::string error;               // why a failed condition stopped (a plugin that threw, ...)
  std::int64_t samples = 0, skipped = 0, unreadable = 0, gradient_evaluations = 0, queries = 0;
  double seconds = 0;
  std::optional<PromptAttackSummary> prompt_attack;
};

// What one batch adds to its condition's counters.
struct BatchCounts {
  std::int64_t samples = 0, skipped = 0, unreadable = 0, gradient_evaluations = 0, queries = 0;
  double seconds = 0;
};

class ConditionStore {
 public:
  explicit ConditionStore(const StoreDatabase& db) : db_(db) {}

  // The stored cell with this key, or a new one (status running).
  StoredCondition open(const StoredCondition& cell);
  // Every stored cell, in grid order.
  std::vector<StoredCondition> all() const;
  void add_counts(std::int64_t id, const BatchCounts& counts);
  void finish(std::int64_t id, const std::optional<PromptAttackSummary>& prompt_attack);
  // Status failed with the reason; its stored records stay, and a resumed run continues it.
  void fail(std::int64_t id, const std::string& error);
  // The row alone: erase its records first (RecordStore::erase).
  void erase(std::int64_t id);
  // Sets status, counters and prompt attack of `to` from `from`, a condition of the store attached
  // as `source` (AttachedSource, roz merge).
  void copy_state_from_source(const StoredCondition& from, std::int64_t to);

 private:
  const StoreDatabase& db_;
};

}  // namespace roz::core

// The result model: every number of a run (or of a `roz eval`, which is a one-model run), computed
// from the per-sample records of its results store and nothing else. compute_results runs the
// metric plugins over each finished condition's records (with a percentile-bootstrap interval),
// over the contamination subsets of an audited dataset, across a model's conditions and across
// models, then the attack sanity checks; the report writers, `roz eval`'s table and every JSON file
// read this model. docs/results.md describes it.
//
//   ResultsStore store(dir / "results.db");
//   Results results = compute_results(host, store, {metrics, 200, seed});
//   for (const StoredCondition& c : results.conditions)
//     if (const StoredSummary* top1 = find_value(results, c.id, "top1")) use(top1->value.value);
//
// A Results is a value: it owns its data (no reference into the store) and, once built, can be read
// from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "roz/core/condition_store.hpp"
#include "roz/core/overlap_records.hpp"
#include "roz/core/summary_store.hpp"
#include "roz/spec.hpp"

namespace roz::core {

class PluginHost;
class ResultsStore;

// An overlap audit with its counts, as the report shows it.
struct AuditedDataset {
  OverlapAudit audit;
  OverlapCounts counts;
};

struct Results {
  std::filesystem::path store;              // the results store it was computed from
  std::map<std::string, std::string> run;   // the store's metadata (config, config_source, seed, precision, ...)
  std::vector<StoredCondition> conditions;  // finished, in grid order
  std::vector<StoredCondition> unfinished;  // running (interrupted) or failed (with StoredCondition::error)
  // Every number. Scope condition: a metric on all of a condition's records, with the bootstrap
  // interval; overlap_subset / clean_subset: on the records whose nearest pre-training neighbour is
  // / is not a duplicate; across_conditions, across_models: the metrics' own summary rows.
  std::vector<StoredSummary> rows;
  std::vector<std::string> warnings;  // metrics that failed on these records, attack sanity checks
  std::vector<AuditedDataset> audits;
  std::map<std::string, std::vector<OverlapPair>> pairs;  // per audited dataset: the closest pairs
};

struct ReportOptions {
  std::vector<Spec> metrics;  // empty: every installed built-in metric (default_metrics)
  int bootstrap = 200;        // resamples per condition; 0: none
  std::uint64_t seed = 0;     // the bootstrap's, from the run seed
};

// The metrics `roz run` uses when the config names none.
std::vector<Spec> default_metrics(const PluginHost& host);

// The options the store's run was configured with (its stored config's metrics, bootstrap, seed).
ReportOptions stored_report_options(const ResultsStore& store);

// Computes every number from the store's records, and stores the rows in its summaries table unless
// the store was opened read-only. Throws when the store has no finished condition; a metric that
// fails loses its own rows (a warning names it), never the others.
Results compute_results(PluginHost& host, ResultsStore& store, const ReportOptions& options);

// The value `name` of a stored condition in `scope` (condition, overlap_subset, clean_subset), if any.
const StoredSummary* find_value(const Results& results, std::int64_t condition_id, const std::string& name,
                                const std::string& scope = "condition");

// The run's metadata `key` ("?" when the store has none).
std::string run_meta(const Results& results, const std::string& key);

// A condition that did not finish, in one line: "DATASET CONDITION (MODEL): failed: ERROR" or
// "...: not finished (interrupted? --resume continues it)".
std::string unfinished_line(const StoredCondition& c);

}  // namespace roz::core

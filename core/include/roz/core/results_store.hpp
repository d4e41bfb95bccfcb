// The results store of `roz run`: one SQLite file (DIR/results.db) holding the run's configuration,
// every condition with its fully resolved spec, and every per-sample record, written batch by batch
// in transactions, so a run killed at any moment loses at most the batch in flight and resumes from
// the rest. Metric summaries computed from the records are stored beside them.
//
// Tables: meta(key, value); conditions(id, key UNIQUE, cell, model, model_hash, model_version, dataset,
// condition, kind, plugin_version, attributes JSON, num_classes, status, samples, skipped,
// unreadable, gradient_evaluations, queries, seconds, prompt_attack JSON); records(condition_id,
// sample_id, status, label, accepted JSON, prediction, correct, confidence, topk JSON, written_label,
// logits BLOB, embedding BLOB, linf, l2, metadata JSON); summaries(scope, metric, condition_id,
// condition JSON, name, value, ci_low, ci_high, boot_low, boot_high); the overlap audit's
// overlap_audits(dataset, audit JSON), overlap_neighbours(dataset, sample_id, label, source, rank,
// similarity, vector, neighbour_id, neighbour_source, neighbour_caption, neighbour_label) and
// overlap_pairs(dataset, position, sample_id, neighbour_id, neighbour_caption, similarity, query_png,
// neighbour_png).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "roz/core/condition_pipeline.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/overlap_records.hpp"
#include "roz/metric.hpp"

struct sqlite3;

namespace roz::core {

// A grid cell: one (model, dataset, condition), as the run resolved it.
struct StoredCondition {
  std::int64_t id = 0;
  std::string key;  // identifies the cell across runs, shards and merges
  std::int64_t cell = 0;  // its index in the run's grid: reports list conditions in grid order
  ConditionInfo info;
  std::string model_hash, model_version, plugin_version;
  std::string status = "running";  // running | done
  std::int64_t samples = 0, skipped = 0, unreadable = 0, gradient_evaluations = 0, queries = 0;
  double seconds = 0;
  std::optional<PromptAttackSummary> prompt_attack;
};

struct StoredSummary {
  std::string scope;              // condition | across_conditions | across_models
  std::string metric;             // the metric plugin's resolved spec
  ConditionInfo info;             // what the row describes (a stored condition, or a metric's own summary row)
  std::int64_t condition_id = 0;  // 0 when the row is not one stored condition
  MetricValue value;
  std::optional<double> boot_low, boot_high;  // bootstrap 95% interval (per-condition metrics)
};

class ResultsStore {
 public:
  enum class Access {
    read_write,  // opens or creates the database
    // Reads a finished store without writing anything beside it (no lock, -wal or -shm file), so it
    // works on read-only storage. A store with an unfinished write-ahead log (a run killed, or
    // still running) is refused: its last batches are only in that log.
    read_only,
  };

  // A file that is not a RoZ results store is an error naming it.
  explicit ResultsStore(const std::filesystem::path& file, Access access = Access::read_write);
  ~ResultsStore();
  ResultsStore(const ResultsStore&) = delete;
  ResultsStore& operator=(const ResultsStore&) = delete;

  const std::filesystem::path& file() const { return file_; }
  bool read_only() const { return access_ == Access::read_only; }

  // SQLite's quick_check over the whole file (seconds per GB): DataError naming the file and the first
  // problems when it is damaged. roz run checks before it resumes into a store.
  void check_integrity() const;

  std::optional<std::string> meta(const std::string& key) const;
  void set_meta(const std::string& key, const std::string& value);

  // The stored cell with this key, or a new one (status running).
  StoredCondition open_condition(const StoredCondition& cell);
  std::vector<StoredCondition> conditions() const;
  // Sample ids already recorded for a condition (any status).
  std::set<std::string> recorded_samples(std::int64_t condition_id) const;

  // One batch: its records and the ids it skipped or could not read, plus the cost counters, in one
  // transaction.
  void add_batch(std::int64_t condition_id, const BatchOutcome& batch, double seconds);
  void finish_condition(std::int64_t condition_id, const std::optional<PromptAttackSummary>& prompt_attack);

  // The condition's records with status ok, in insertion order.
  void read_records(std::int64_t condition_id, const std::function<void(const SampleRecord&)>& visit) const;

  void replace_summaries(const std::vector<StoredSummary>& rows);
  std::vector<StoredSummary> summaries() const;

  // Replaces the dataset's overlap audit, its samples and pairs, in one transaction.
  void store_overlap(const OverlapAudit& audit, const std::vector<OverlapSample>& samples,
                     const std::vector<OverlapPair>& pairs);
  std::vector<OverlapAudit> overlap_audits() const;
  std::vector<OverlapSample> overlap_samples(const std::string& dataset) const;
  std::vector<OverlapPair> overlap_pairs(const std::string& dataset) const;

  // Copies every condition and record of another store in (roz merge); a cell present in both
  // keeps the finished copy, and two finished copies must agree on their sample count. Overlap
  // audits come along, replacing those of the same dataset.
  void merge_from(const std::filesystem::path& other);

 private:
  void exec(const std::string& sql) const;

  std::filesystem::path file_;
  Access access_ = Access::read_write;
  sqlite3* db_ = nullptr;
};

}  // namespace roz::core

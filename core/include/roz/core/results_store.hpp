// The results store of `roz run`: one SQLite file (DIR/results.db) holding the run's configuration,
// every condition with its fully resolved spec, and every per-sample record, written batch by batch
// in transactions, so a run killed at any moment loses at most the batch in flight and resumes from
// the rest. The numbers computed from the records are stored beside them.
//
//   ResultsStore store(dir / "results.db");
//   StoredCondition c = store.conditions().open(cell);
//   store.add_batch(c.id, batch, seconds);          // records and counters, one transaction
//   store.conditions().finish(c.id, std::nullopt);
//   store.records().read(c.id, [](const SampleRecord& r) { ... });
//
// Its tables, one class each: meta (here); conditions (condition_store.hpp); records
// (record_store.hpp); summaries (summary_store.hpp); the overlap audit's overlap_audits,
// overlap_neighbours and overlap_pairs (audit_store.hpp). The columns are listed in
// core/src/store/schema.hpp. One connection, not thread-safe: use a store from one thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "roz/core/audit_store.hpp"
#include "roz/core/condition_store.hpp"
#include "roz/core/record_store.hpp"
#include "roz/core/store_database.hpp"
#include "roz/core/summary_store.hpp"

namespace roz::core {

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

  const std::filesystem::path& file() const { return db_.file; }
  bool read_only() const { return access_ == Access::read_only; }

  // SQLite's quick_check over the whole file (seconds per GB): DataError naming the file and the first
  // problems when it is damaged. roz run checks before it resumes into a store.
  void check_integrity() const;

  std::optional<std::string> meta(const std::string& key) const;
  void set_meta(const std::string& key, const std::string& value);

  ConditionStore& conditions() { return conditions_; }
  const ConditionStore& conditions() const { return conditions_; }
  RecordStore& records() { return records_; }
  const RecordStore& records() const { return records_; }
  SummaryStore& summaries() { return summaries_; }
  const SummaryStore& summaries() const { return summaries_; }
  AuditStore& audits() { return audits_; }
  const AuditStore& audits() const { return audits_; }

  // One batch: its records and the ids it skipped or could not read, plus the cost counters, in one
  // transaction.
  void add_batch(std::int64_t condition_id, const BatchOutcome& batch, double seconds);

  // Copies every condition and record of another store in (roz merge); a cell present in both
  // keeps the finished copy, and two finished copies must agree on their sample count. Overlap
  // audits come along, replacing those of the same dataset. Each cell is copied in one
  // transaction: a failure keeps the cells copied before it and leaves the failing one as it was.
  void merge_from(const std::filesystem::path& other);

 private:
  void open(Access access);
  void check_schema();

  StoreDatabase db_;  // first: the tables below refer to it
  Access access_ = Access::read_write;
  ConditionStore conditions_{db_};
  RecordStore records_{db_};
  SummaryStore summaries_{db_};
  AuditStore audits_{db_};
};

}  // namespace roz::core

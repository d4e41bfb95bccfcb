// The results store: a batch is written whole or not at all; records are kept as given, never
// judged; merging replaces an unfinished cell with a finished copy atomically.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "roz/core/condition_pipeline.hpp"
#include "roz/core/overlap_audit.hpp"
#include "roz/core/results_store.hpp"
#include "roz/error.hpp"
#include "test_env.hpp"

namespace roz {
namespace {

namespace fs = std::filesystem;

core::BatchOutcome batch_of(int first, int count) {
  core::BatchOutcome out;
  for (int i = first; i < first + count; ++i) {
    SampleRecord r;
    r.sample_id = "s" + std::to_string(i);
    r.label = i % 2;
    r.logits = {1.0f, 0.0f};
    out.records.push_back(r);
  }
  return out;
}

core::StoredCondition cell() {
  core::StoredCondition c;
  c.key = "mini_clip\nfashion-mnist\nclean";
  c.info.condition = "clean";
  c.info.kind = "clean";
  c.info.num_classes = 2;
  return c;
}

using test::fresh_dir;

// Adds a trigger that aborts every insert of records with `raise` (ABORT or ROLLBACK), as a full
// disk or a kill would stop one.
void plant_failing_insert(const fs::path& db_file, const std::string& raise) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_file.c_str(), &db), SQLITE_OK);
  const std::string sql = "CREATE TRIGGER failing BEFORE INSERT ON records BEGIN SELECT RAISE(" + raise +
                          ", 'database or disk is full'); END";
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

// A store at `file` holding cell() with `n` records, closed again; the cell's id.
std::int64_t closed_store_with_records(const fs::path& file, int n) {
  core::ResultsStore store(file);
  const std::int64_t id = store.conditions().open(cell()).id;
  store.add_batch(id, batch_of(0, n), 0.1);
  return id;
}

// A fresh directory with a finished 5-record copy of cell() in source.db and an unfinished 2-record
// one in target.db.
fs::path two_copies(const std::string& name) {
  const fs::path dir = fresh_dir(name);
  core::ResultsStore source(dir / "source.db");
  const core::StoredCondition finished = source.conditions().open(cell());
  source.add_batch(finished.id, batch_of(0, 5), 0.1);
  source.conditions().finish(finished.id, std::nullopt);
  core::ResultsStore target(dir / "target.db");
  target.add_batch(target.conditions().open(cell()).id, batch_of(0, 2), 0.1);
  return dir;
}

// A merge that fails while writing the finished copy (here: a trigger that aborts every insert of
// records, as a full disk or a kill would stop it) must leave the unfinished cell and its records as
// they were. Before, the unfinished cell was deleted outside the transaction and was lost.
TEST(ResultsStore, AMergeThatFailsMidwayLosesNothing) {
  const fs::path dir = two_copies("roz_merge_fails_test");
  plant_failing_insert(dir / "target.db", "ABORT");
  {
    core::ResultsStore target(dir / "target.db");
    EXPECT_THROW(target.merge_from(dir / "source.db"), Error);
  }
  core::ResultsStore target(dir / "target.db");
  const std::vector<core::StoredCondition> kept = target.conditions().all();
  ASSERT_EQ(kept.size(), 1u) << "the unfinished cell was lost";
  EXPECT_EQ(kept[0].status, "running");
  EXPECT_EQ(target.records().sample_ids(kept[0].id).size(), 2u) << "its records were lost";
  fs::remove_all(dir);
}

// Without the failure the finished copy replaces the unfinished one.
TEST(ResultsStore, AMergeReplacesAnUnfinishedCellWithTheFinishedCopy) {
  const fs::path dir = two_copies("roz_merge_test");
  core::ResultsStore target(dir / "target.db");
  target.merge_from(dir / "source.db");
  const std::vector<core::StoredCondition> merged = target.conditions().all();
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].status, "done");
  EXPECT_EQ(target.records().sample_ids(merged[0].id).size(), 5u);
  fs::remove_all(dir);
}

// The store keeps records and never judges them: a record is stored as given (a label outside the
// classes included; the pipeline refuses those, the metrics judge), and read back bit for bit.
TEST(ResultsStore, KeepsRecordsAsGivenAndReadsThemBackBitForBit) {
  const fs::path dir = fresh_dir("roz_store_records_test");
  core::ResultsStore store(dir / "results.db");
  const std::int64_t id = store.conditions().open(cell()).id;
  core::BatchOutcome batch = batch_of(0, 2);
  batch.records[0].accepted_labels = {0, 1};
  batch.records[0].logits = {0.1f, -3.25e-8f};
  batch.records[1].label = 5;
  batch.records[1].embedding = {0.5f, -1.0f, 2.0f};
  batch.records[1].perturbation_linf = 0.03125f;
  batch.records[1].perturbation_l2 = 1.5f;
  batch.records[1].metadata = {{"written_label", "1"}};
  batch.skipped = {"s_skipped"};
  store.add_batch(id, batch, 0.1);
  std::vector<SampleRecord> read;
  store.records().read(id, [&](const SampleRecord& r) { read.push_back(r); });
  ASSERT_EQ(read.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(read[i].sample_id, batch.records[i].sample_id);
    EXPECT_EQ(read[i].label, batch.records[i].label);
    EXPECT_EQ(read[i].accepted_labels, batch.records[i].accepted_labels);
    EXPECT_EQ(read[i].logits, batch.records[i].logits);
    EXPECT_EQ(read[i].embedding, batch.records[i].embedding);
    EXPECT_EQ(read[i].perturbation_linf, batch.records[i].perturbation_linf);
    EXPECT_EQ(read[i].perturbation_l2, batch.records[i].perturbation_l2);
    EXPECT_EQ(read[i].metadata, batch.records[i].metadata);
  }
  EXPECT_EQ(store.records().sample_ids(id), (std::set<std::string>{"s0", "s1", "s_skipped"}));
  EXPECT_EQ(store.conditions().all().at(0).samples, 2);
  EXPECT_EQ(store.conditions().all().at(0).skipped, 1);
  fs::remove_all(dir);
}

// A failure that ends the transaction itself (SQLite rolls back on a full disk; here a trigger raises
// ROLLBACK) is reported as itself. Before, the store's own ROLLBACK then failed with "cannot rollback -
// no transaction is active" and that error replaced the real one.
TEST(ResultsStore, AFailureThatRollsBackIsReportedAsItself) {
  const fs::path dir = fresh_dir("roz_store_rollback_test");
  const std::int64_t id = closed_store_with_records(dir / "results.db", 2);
  plant_failing_insert(dir / "results.db", "ROLLBACK");
  core::ResultsStore store(dir / "results.db");
  try {
    store.add_batch(id, batch_of(2, 2), 0.1);
    FAIL() << "the failed insert was not reported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("database or disk is full"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store.records().sample_ids(id).size(), 2u);
  EXPECT_EQ(store.conditions().all().at(0).samples, 2);
  fs::remove_all(dir);
}

// An empty results.db is a truncated store, not a new one: before, a run "resumed" into it from
// scratch without a word.
TEST(ResultsStore, AnEmptyFileIsRefusedNotTakenForANewStore) {
  const fs::path dir = fresh_dir("roz_store_empty_test");
  std::ofstream(dir / "results.db").close();
  try {
    core::ResultsStore store(dir / "results.db");
    FAIL() << "an empty file was opened as a store";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("'" + (dir / "results.db").string() + "': the file is empty (0 bytes)"),
              std::string::npos)
        << e.what();
  }
  fs::remove_all(dir);
}

// Garbage written over the middle of a store is found when it is opened or checked, before more work
// goes into it (roz run --resume checks), not at report time.
TEST(ResultsStore, ADamagedStoreIsFoundBeforeResuming) {
  const fs::path dir = fresh_dir("roz_store_damaged_test");
  const fs::path file = dir / "results.db";
  {
    core::ResultsStore store(file);
    const std::int64_t id = store.conditions().open(cell()).id;
    for (int b = 0; b < 20; ++b) {
      core::BatchOutcome batch = batch_of(100 * b, 100);
      for (SampleRecord& r : batch.records) r.embedding.assign(64, 0.5f);
      store.add_batch(id, batch, 0.1);
    }
    EXPECT_NO_THROW(store.check_integrity());
  }
  const auto size = static_cast<std::streamoff>(fs::file_size(file));
  ASSERT_GT(size, 200000);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(size / 2);
    const std::string garbage(16384, '\x5a');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  try {
    core::ResultsStore store(file);
    store.check_integrity();
    FAIL() << "the damage went unnoticed";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

// A read-only open writes nothing beside the store (it works on read-only storage) and refuses a
// store whose last batches are still only in its write-ahead log.
TEST(ResultsStore, AReadOnlyOpenWritesNothingAndRefusesAnUnfinishedLog) {
  const fs::path dir = fresh_dir("roz_store_read_only_test");
  const std::int64_t id = closed_store_with_records(dir / "results.db", 3);  // the log folded in
  {
    core::ResultsStore store(dir / "results.db", core::ResultsStore::Access::read_only);
    EXPECT_TRUE(store.read_only());
    EXPECT_EQ(store.records().sample_ids(id).size(), 3u);
    EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1) << "files made beside it";
  }
  core::ResultsStore writer(dir / "results.db");
  writer.add_batch(id, batch_of(3, 2), 0.1);  // open: these records are in results.db-wal
  try {
    core::ResultsStore store(dir / "results.db", core::ResultsStore::Access::read_only);
    FAIL() << "a store with an unfinished log was read as if complete";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("has an unfinished write-ahead log"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

// A condition that failed keeps its records and says why; finishing it later clears the error.
TEST(ResultsStore, AFailedConditionKeepsItsRecordsAndItsError) {
  const fs::path dir = fresh_dir("roz_store_failed_test");
  core::ResultsStore store(dir / "results.db");
  const std::int64_t id = store.conditions().open(cell()).id;
  store.add_batch(id, batch_of(0, 2), 0.1);
  store.conditions().fail(id, "attack plugin 'x': perturb failed: boom");
  core::StoredCondition c = store.conditions().all().at(0);
  EXPECT_EQ(c.status, "failed");
  EXPECT_EQ(c.error, "attack plugin 'x': perturb failed: boom");
  EXPECT_EQ(store.conditions().open(cell()).id, id) << "a resumed run continues the failed cell";
  EXPECT_EQ(store.records().sample_ids(id).size(), 2u);
  store.conditions().finish(id, std::nullopt);
  c = store.conditions().all().at(0);
  EXPECT_EQ(c.status, "done");
  EXPECT_EQ(c.error, "");
  fs::remove_all(dir);
}

// An audit stored before copy verification (schema 3: cosine thresholds `exact` and `near`) reads
// as decided by the nearest cosine at `near`, without verification, and says so.
TEST(ResultsStore, AnAuditOfBeforeVerificationReadsAsDecidedByItsCosine) {
  const fs::path dir = fresh_dir("roz_store_old_audit_test");
  {
    core::ResultsStore store(dir / "results.db");
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir / "results.db").c_str(), &db), SQLITE_OK);
    const char* old =
        R"(INSERT INTO overlap_audits VALUES('fashion-mnist', '{"dataset": "fashion-mnist", "index": "i", )"
        R"("factory": "Flat", "index_vectors": 6, "model": "pixels", "model_hash": "h", "k": 5, "exact": 0.99, )"
        R"("near": 0.95, "search": "s", "samples": 1, "ranks": 1, "class_names": ["a"], "seconds": 1}');)"
        "INSERT INTO overlap_neighbours VALUES('fashion-mnist', 's0', 0, 'f', 0, 0.96, 3, 'n3', 'g', '', 0, NULL);";
    EXPECT_EQ(sqlite3_exec(db, old, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  core::ResultsStore store(dir / "results.db", core::ResultsStore::Access::read_only);
  const core::OverlapAudit a = store.audits().all().at(0);
  EXPECT_EQ(a.decision.embedding, 0.95);
  EXPECT_FALSE(a.decision.verification.has_value());
  EXPECT_NE(a.decision.basis.find("before copy verification"), std::string::npos) << a.decision.basis;
  const std::vector<core::OverlapSample> samples = store.audits().samples("fashion-mnist");
  EXPECT_EQ(core::copy_status(samples.at(0), a.decision), "embedding");
  fs::remove_all(dir);
}

// A store written by schema 1 (before conditions had an error column) is upgraded, through schemas 2
// and 3, when opened writable and refused, with the way out, when opened read-only.
TEST(ResultsStore, ASchemaOneStoreIsUpgradedWhenWritable) {
  const fs::path dir = fresh_dir("roz_store_schema_test");
  const fs::path file = dir / "results.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    const char* v1 =
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES('schema_version', '1');"
        "CREATE TABLE conditions(id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, cell INTEGER NOT NULL, "
        "model TEXT NOT NULL, model_hash TEXT, model_version TEXT, dataset TEXT NOT NULL, condition TEXT NOT NULL, "
        "kind TEXT NOT NULL, plugin_version TEXT, attributes TEXT, num_classes INTEGER, status TEXT NOT NULL, "
        "samples INTEGER DEFAULT 0, skipped INTEGER DEFAULT 0, unreadable INTEGER DEFAULT 0, "
        "gradient_evaluations INTEGER DEFAULT 0, queries INTEGER DEFAULT 0, seconds REAL DEFAULT 0, "
        "prompt_attack TEXT);"
        "CREATE TABLE records(condition_id INTEGER NOT NULL REFERENCES conditions(id), sample_id TEXT NOT NULL, "
        "status TEXT NOT NULL, label INTEGER, accepted TEXT, prediction INTEGER, correct INTEGER, confidence REAL, "
        "topk TEXT, written_label INTEGER, logits BLOB, embedding BLOB, linf REAL, l2 REAL, metadata TEXT, "
        "PRIMARY KEY(condition_id, sample_id));"
        "CREATE TABLE summaries(scope TEXT NOT NULL, metric TEXT NOT NULL, condition_id INTEGER, "
        "condition TEXT NOT NULL, name TEXT NOT NULL, value REAL, ci_low REAL, ci_high REAL, boot_low REAL, "
        "boot_high REAL);"
        "INSERT INTO conditions(key, cell, model, dataset, condition, kind, status, samples) "
        "VALUES('k', 0, 'mini_clip', 'fashion-mnist', 'clean', 'clean', 'done', 1);"
        "INSERT INTO records VALUES(1, 's0', 'ok', 1, '[]', 1, 1, 0.9, '[1,0]', NULL, NULL, NULL, NULL, NULL, '{}');";
    EXPECT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  try {
    core::ResultsStore store(file, core::ResultsStore::Access::read_only);
    FAIL() << "a schema-1 store was read as schema 4";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 1, this roz writes 4 (open it writable once to upgrade it)"),
              std::string::npos)
        << e.what();
  }
  core::ResultsStore store(file);
  EXPECT_EQ(store.meta("schema_version"), "4");
  const std::vector<core::StoredCondition> conditions = store.conditions().all();
  ASSERT_EQ(conditions.size(), 1u);
  EXPECT_EQ(conditions[0].samples, 1);
  EXPECT_EQ(conditions[0].error, "");
  EXPECT_EQ(store.records().sample_ids(conditions[0].id), (std::set<std::string>{"s0"}));
  store.add_batch(conditions[0].id, batch_of(1, 1), 0.1);  // written in schema 4's columns
  EXPECT_EQ(store.records().sample_ids(conditions[0].id).size(), 2u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace roz

// The results store: a batch is written whole or not at all; the correct column follows the
// metrics' rule; merging replaces an unfinished cell with a finished copy atomically.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "roz/core/condition_pipeline.hpp"
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
  const std::int64_t id = store.open_condition(cell()).id;
  store.add_batch(id, batch_of(0, n), 0.1);
  return id;
}

// A fresh directory with a finished 5-record copy of cell() in source.db and an unfinished 2-record
// one in target.db.
fs::path two_copies(const std::string& name) {
  const fs::path dir = fresh_dir(name);
  core::ResultsStore source(dir / "source.db");
  const core::StoredCondition finished = source.open_condition(cell());
  source.add_batch(finished.id, batch_of(0, 5), 0.1);
  source.finish_condition(finished.id, std::nullopt);
  core::ResultsStore target(dir / "target.db");
  target.add_batch(target.open_condition(cell()).id, batch_of(0, 2), 0.1);
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
  const std::vector<core::StoredCondition> kept = target.conditions();
  ASSERT_EQ(kept.size(), 1u) << "the unfinished cell was lost";
  EXPECT_EQ(kept[0].status, "running");
  EXPECT_EQ(target.recorded_samples(kept[0].id).size(), 2u) << "its records were lost";
  fs::remove_all(dir);
}

// Without the failure the finished copy replaces the unfinished one.
TEST(ResultsStore, AMergeReplacesAnUnfinishedCellWithTheFinishedCopy) {
  const fs::path dir = two_copies("roz_merge_test");
  core::ResultsStore target(dir / "target.db");
  target.merge_from(dir / "source.db");
  const std::vector<core::StoredCondition> merged = target.conditions();
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].status, "done");
  EXPECT_EQ(target.recorded_samples(merged[0].id).size(), 5u);
  fs::remove_all(dir);
}

// A record whose label is outside the classes is refused as the accuracy metric refuses it (before,
// the store skipped the label silently), and the batch holding it leaves nothing behind.
TEST(ResultsStore, ABatchWithALabelOutsideTheClassesIsRefusedWhole) {
  const fs::path dir = fresh_dir("roz_store_label_test");
  core::ResultsStore store(dir / "results.db");
  const std::int64_t id = store.open_condition(cell()).id;
  store.add_batch(id, batch_of(0, 2), 0.1);
  core::BatchOutcome bad = batch_of(2, 2);
  bad.records[1].label = 5;
  try {
    store.add_batch(id, bad, 0.1);
    FAIL() << "a label outside the classes was stored";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("sample 's3': label 5 outside the 2 classes"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find((dir / "results.db").string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(store.recorded_samples(id), (std::set<std::string>{"s0", "s1"}));
  EXPECT_EQ(store.conditions().at(0).samples, 2);
  fs::remove_all(dir);
}

// The stored correct column is the accuracy metric's top-1: a tie with the truth counts, and with
// several accepted labels the best of them decides.
TEST(ResultsStore, TheCorrectColumnIsTheMetricsTop1) {
  const fs::path dir = fresh_dir("roz_store_correct_test");
  {
    core::StoredCondition three = cell();
    three.info.num_classes = 3;
    core::ResultsStore store(dir / "results.db");
    core::BatchOutcome batch;
    auto add = [&](std::string id, std::int64_t label, std::vector<std::int64_t> accepted, std::vector<float> logits) {
      SampleRecord r;
      r.sample_id = std::move(id);
      r.label = label;
      r.accepted_labels = std::move(accepted);
      r.logits = std::move(logits);
      batch.records.push_back(std::move(r));
    };
    add("tie", 1, {}, {2, 2, 0});
    add("wrong", 0, {}, {1, 2, 0});
    add("second_accepted", 0, {0, 2}, {0, 1, 3});
    add("no_accepted_best", 0, {0, 2}, {0, 3, 1});
    store.add_batch(store.open_condition(three).id, batch, 0.1);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "results.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT sample_id, correct FROM records", -1, &s, nullptr), SQLITE_OK);
  std::map<std::string, int> correct;
  while (sqlite3_step(s) == SQLITE_ROW)
    correct[reinterpret_cast<const char*>(sqlite3_column_text(s, 0))] = sqlite3_column_int(s, 1);
  sqlite3_finalize(s);
  sqlite3_close(db);
  EXPECT_EQ(correct, (std::map<std::string, int>{{"tie", 1}, {"wrong", 0}, {"second_accepted", 1}, {"no_accepted_best", 0}}));
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
  EXPECT_EQ(store.recorded_samples(id).size(), 2u);
  EXPECT_EQ(store.conditions().at(0).samples, 2);
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
    const std::int64_t id = store.open_condition(cell()).id;
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
    EXPECT_EQ(store.recorded_samples(id).size(), 3u);
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

}  // namespace
}  // namespace roz

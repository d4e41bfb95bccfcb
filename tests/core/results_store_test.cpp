// The results store: merging replaces an unfinished cell with a finished copy atomically.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "roz/core/condition_pipeline.hpp"
#include "roz/core/results_store.hpp"
#include "roz/error.hpp"

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

// A fresh directory with a finished 5-record copy of cell() in source.db and an unfinished 2-record
// one in target.db.
fs::path two_copies(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / (name + "." + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
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
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "target.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TRIGGER no_inserts BEFORE INSERT ON records BEGIN SELECT RAISE(ABORT, 'disk full'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
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

}  // namespace
}  // namespace roz

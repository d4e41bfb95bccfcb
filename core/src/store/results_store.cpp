#include "roz/core/results_store.hpp"

#include <algorithm>

#include "roz/core/condition_pipeline.hpp"
#include "roz/error.hpp"
#include "store/schema.hpp"
#include "store/sqlite_statement.hpp"

namespace roz::core {

namespace {

// SQLite takes an empty file for an empty database; RoZ never leaves one (the schema is written on
// creation), so it is a store truncated by a crash or a full disk, not a place to start afresh.
void refuse_unreadable_file(const std::filesystem::path& file, ResultsStore::Access access) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(file, ec) && std::filesystem::file_size(file, ec) == 0 && !ec)
    throw DataError("results store '" + file.string() +
                    "': the file is empty (0 bytes), not a store: truncated? Remove it to start a new run");
  if (access != ResultsStore::Access::read_only) return;
  if (!std::filesystem::exists(file, ec)) throw DataError("results store '" + file.string() + "': does not exist");
  std::filesystem::path log = file;
  log += "-wal";
  if (std::filesystem::file_size(log, ec) > 0 && !ec)
    throw DataError("results store '" + file.string() + "' has an unfinished write-ahead log ('" + log.string() +
                    "': a run was killed or is still running): open it where it is writable, or --resume the run");
}

}  // namespace

ResultsStore::ResultsStore(const std::filesystem::path& file, Access access) : access_(access) {
  db_.file = file;
  refuse_unreadable_file(file, access);
  open(access);
  try {
    check_schema();
  } catch (...) {
    sqlite3_close(db_.handle);
    throw;
  }
}

ResultsStore::~ResultsStore() {
  sqlite3_close(db_.handle);
}

void ResultsStore::open(Access access) {
  // immutable=1: no locks and no -shm file, so nothing is created beside a read-only store.
  const bool read_only = access == Access::read_only;
  const std::string name = read_only ? "file:" + db_.file.string() + "?immutable=1" : db_.file.string();
  const int flags = read_only ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(name.c_str(), &db_.handle, flags, nullptr) != SQLITE_OK) {
    const std::string message = db_.handle != nullptr ? sqlite3_errmsg(db_.handle) : "out of memory";
    sqlite3_close(db_.handle);
    throw DataError("results store '" + db_.file.string() + "': cannot open: " + message);
  }
  sqlite3_busy_timeout(db_.handle, 10000);
}

namespace {

bool upgradable(const std::string& version) {
  return std::any_of(std::begin(kUpgrades), std::end(kUpgrades),
                     [&](const SchemaUpgrade& u) { return version == u.from; });
}

}  // namespace

void ResultsStore::check_schema() {
  if (access_ == Access::read_write) {
    exec_sql(db_, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
    exec_sql(db_, kMetaSchema);
  }
  std::optional<std::string> version = meta("schema_version");
  for (const SchemaUpgrade& upgrade : kUpgrades) {
    if (version != upgrade.from || access_ != Access::read_write) continue;
    Transaction transaction(db_);
    exec_sql(db_, upgrade.sql);
    set_meta("schema_version", upgrade.to);
    transaction.commit();
    version = upgrade.to;
  }
  if (access_ == Access::read_write) exec_sql(db_, kSchema);
  if (version) {
    if (*version != kSchemaVersion)
      throw DataError("results store '" + db_.file.string() + "': schema version " + *version + ", this roz writes " +
                      kSchemaVersion + (upgradable(*version) ? " (open it writable once to upgrade it)" : ""));
  } else if (access_ == Access::read_only) {
    throw DataError("results store '" + db_.file.string() + "': no schema version (not a RoZ results store?)");
  } else {
    set_meta("schema_version", kSchemaVersion);
  }
}

void ResultsStore::check_integrity() const {
  Statement s(db_, "PRAGMA quick_check");
  std::string problems;
  while (s.step())
    if (s.text(0) != "ok") problems += (problems.empty() ? "" : "; ") + s.text(0);
  if (!problems.empty())
    throw DataError("results store '" + db_.file.string() + "' is damaged (" + problems.substr(0, 300) +
                    "): restore it from a copy or start a new run in another --out");
}

std::optional<std::string> ResultsStore::meta(const std::string& key) const {
  Statement s(db_, "SELECT value FROM meta WHERE key = ?");
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void ResultsStore::set_meta(const std::string& key, const std::string& value) {
  Statement s(db_, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  s.bind(1, key).bind(2, value).run();
}

void ResultsStore::add_batch(std::int64_t condition_id, const BatchOutcome& batch, double seconds) {
  Transaction transaction(db_);
  records_.insert(condition_id, batch);
  conditions_.add_counts(condition_id, {static_cast<std::int64_t>(batch.records.size()),
                                        static_cast<std::int64_t>(batch.skipped.size()),
                                        static_cast<std::int64_t>(batch.unreadable.size()),
                                        batch.gradient_evaluations, batch.queries, seconds});
  transaction.commit();
}

void ResultsStore::merge_from(const std::filesystem::path& other) {
  ResultsStore source(other);  // validates the schema
  for (const OverlapAudit& audit : source.audits().all())
    audits_.replace(audit, source.audits().samples(audit.dataset), source.audits().pairs(audit.dataset));
  const std::vector<StoredCondition> mine = conditions_.all();
  for (const StoredCondition& c : source.conditions().all()) {
    auto existing = std::find_if(mine.begin(), mine.end(), [&](const StoredCondition& m) { return m.key == c.key; });
    const bool replaces = existing != mine.end();
    if (replaces) {
      if (existing->status == "done" && c.status == "done" && existing->samples != c.samples)
        throw DataError("merge: condition '" + c.key + "' is finished in both '" + db_.file.string() + "' and '" +
                        other.string() + "' with different sample counts");
      if (existing->status == "done" || c.status != "done") continue;
    }
    // The unfinished copy goes in the same transaction that writes the finished one: a failure
    // anywhere in between leaves the cell as it was.
    AttachedSource attached(db_, other);
    Transaction transaction(db_);
    if (replaces) {
      records_.erase(existing->id);
      conditions_.erase(existing->id);
    }
    const StoredCondition copy = conditions_.open(c);
    conditions_.copy_state_from_source(c, copy.id);
    records_.copy_from_source(c.id, copy.id);
    transaction.commit();
  }
}

}  // namespace roz::core

#include "roz/core/results_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "roz/support/metrics/accepted_labels.hpp"  // the metrics' correctness rule (support library)
#include "roz/core/prompt_attack_json.hpp"
#include "roz/error.hpp"

namespace roz::core {

namespace {

using nlohmann::json;

constexpr const char* kSchemaVersion = "1";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS conditions(
  id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, cell INTEGER NOT NULL, model TEXT NOT NULL, model_hash TEXT, model_version TEXT,
  dataset TEXT NOT NULL, condition TEXT NOT NULL, kind TEXT NOT NULL, plugin_version TEXT, attributes TEXT,
  num_classes INTEGER, status TEXT NOT NULL, samples INTEGER DEFAULT 0, skipped INTEGER DEFAULT 0,
  unreadable INTEGER DEFAULT 0, gradient_evaluations INTEGER DEFAULT 0, queries INTEGER DEFAULT 0,
  seconds REAL DEFAULT 0, prompt_attack TEXT);
CREATE TABLE IF NOT EXISTS records(
  condition_id INTEGER NOT NULL REFERENCES conditions(id), sample_id TEXT NOT NULL, status TEXT NOT NULL,
  label INTEGER, accepted TEXT, prediction INTEGER, correct INTEGER, confidence REAL, topk TEXT,
  written_label INTEGER, logits BLOB, embedding BLOB, linf REAL, l2 REAL, metadata TEXT,
  PRIMARY KEY(condition_id, sample_id));
CREATE TABLE IF NOT EXISTS summaries(
  scope TEXT NOT NULL, metric TEXT NOT NULL, condition_id INTEGER, condition TEXT NOT NULL, name TEXT NOT NULL,
  value REAL, ci_low REAL, ci_high REAL, boot_low REAL, boot_high REAL);
CREATE TABLE IF NOT EXISTS overlap_audits(dataset TEXT PRIMARY KEY, audit TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS overlap_neighbours(
  dataset TEXT NOT NULL, sample_id TEXT NOT NULL, label INTEGER, source TEXT, rank INTEGER NOT NULL,
  similarity REAL NOT NULL, vector INTEGER, neighbour_id TEXT, neighbour_source TEXT, neighbour_caption TEXT,
  neighbour_label INTEGER, PRIMARY KEY(dataset, sample_id, rank));
CREATE TABLE IF NOT EXISTS overlap_pairs(
  dataset TEXT NOT NULL, position INTEGER NOT NULL, sample_id TEXT, neighbour_id TEXT, neighbour_caption TEXT,
  similarity REAL, query_png BLOB, neighbour_png BLOB, PRIMARY KEY(dataset, position));
)sql";

// A prepared statement, finalised on scope exit; errors name the database file.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql, const std::filesystem::path& file) : db_(db), file_(file) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) fail("prepare");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::int64_t v) { return check(sqlite3_bind_int64(stmt_, i, v)); }
  Statement& bind(int i, double v) { return check(sqlite3_bind_double(stmt_, i, v)); }
  Statement& bind(int i, const std::string& v) {
    return check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  Statement& bind(int i, const std::optional<double>& v) {
    return v ? bind(i, *v) : check(sqlite3_bind_null(stmt_, i));
  }
  Statement& bind_floats(int i, const std::vector<float>& v) {
    if (v.empty()) return check(sqlite3_bind_null(stmt_, i));
    return check(sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size() * sizeof(float)), SQLITE_TRANSIENT));
  }
  Statement& bind_bytes(int i, const std::vector<unsigned char>& v) {
    if (v.empty()) return check(sqlite3_bind_null(stmt_, i));
    return check(sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  Statement& bind_null(int i) { return check(sqlite3_bind_null(stmt_, i)); }

  // True while rows come; false when done.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) fail("step");
    return false;
  }
  void run() {
    step();
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  std::int64_t integer(int i) const { return sqlite3_column_int64(stmt_, i); }
  double real(int i) const { return sqlite3_column_double(stmt_, i); }
  bool null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
  std::optional<double> optional_real(int i) const { return null(i) ? std::nullopt : std::optional(real(i)); }
  std::string text(int i) const {
    const auto* t = sqlite3_column_text(stmt_, i);
    return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, i));
  }
  std::vector<unsigned char> bytes(int i) const {
    const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, i));
    return data == nullptr ? std::vector<unsigned char>() : std::vector<unsigned char>(data, data + sqlite3_column_bytes(stmt_, i));
  }
  std::vector<float> floats(int i) const {
    const auto bytes = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i));
    std::vector<float> out(bytes / sizeof(float));
    if (bytes > 0) std::memcpy(out.data(), sqlite3_column_blob(stmt_, i), out.size() * sizeof(float));
    return out;
  }

 private:
  Statement& check(int rc) {
    if (rc != SQLITE_OK) fail("bind");
    return *this;
  }
  [[noreturn]] void fail(const char* what) const {
    throw DataError("results store '" + file_.string() + "': " + what + " failed: " + sqlite3_errmsg(db_));
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  const std::filesystem::path& file_;
};

// Runs `sql` (no results); errors name the database file.
void exec_sql(sqlite3* db, const std::filesystem::path& file, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error != nullptr ? error : sqlite3_errmsg(db);
    sqlite3_free(error);
    throw DataError("results store '" + file.string() + "': " + message +
                    (message.find("not a database") != std::string::npos ? " (not a RoZ results store?)" : ""));
  }
}

// One write transaction: BEGIN IMMEDIATE when made, ROLLBACK when it goes unless commit() ran, so
// an exception anywhere in between leaves the store as it was (and the rollback cannot hide it).
// Declare it before the statements it covers; one per connection at a time.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::filesystem::path& file) : db_(db), file_(file) {
    exec_sql(db_, file_, "BEGIN IMMEDIATE");
  }
  ~Transaction() {
    if (!committed_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    exec_sql(db_, file_, "COMMIT");
    committed_ = true;
  }

 private:
  sqlite3* db_;
  const std::filesystem::path& file_;
  bool committed_ = false;
};

// Another store attached as schema `source` for the guard's lifetime (detached outside any
// transaction: make the guard before the Transaction).
class AttachedSource {
 public:
  AttachedSource(sqlite3* db, const std::filesystem::path& file, const std::filesystem::path& other) : db_(db) {
    Statement attach(db, "ATTACH DATABASE ? AS source", file);
    attach.bind(1, other.string()).run();
  }
  ~AttachedSource() { sqlite3_exec(db_, "DETACH DATABASE source", nullptr, nullptr, nullptr); }
  AttachedSource(const AttachedSource&) = delete;
  AttachedSource& operator=(const AttachedSource&) = delete;

 private:
  sqlite3* db_;
};

json attributes_json(const std::map<std::string, std::string>& attributes) {
  return json(attributes);
}

std::map<std::string, std::string> attributes_from(const std::string& text) {
  if (text.empty()) return {};
  return json::parse(text).get<std::map<std::string, std::string>>();
}

constexpr const char* kConditionColumns =
    "id, key, model, model_hash, model_version, dataset, condition, kind, plugin_version, attributes, num_classes, "
    "status, samples, skipped, unreadable, gradient_evaluations, queries, seconds, prompt_attack, cell";

StoredCondition condition_from(const Statement& s) {
  StoredCondition c;
  c.id = s.integer(0);
  c.key = s.text(1);
  c.info.model = s.text(2);
  c.model_hash = s.text(3);
  c.model_version = s.text(4);
  c.info.dataset = s.text(5);
  c.info.condition = s.text(6);
  c.info.kind = s.text(7);
  c.plugin_version = s.text(8);
  c.info.attributes = attributes_from(s.text(9));
  c.info.num_classes = s.integer(10);
  c.status = s.text(11);
  c.samples = s.integer(12);
  c.skipped = s.integer(13);
  c.unreadable = s.integer(14);
  c.gradient_evaluations = s.integer(15);
  c.queries = s.integer(16);
  c.seconds = s.real(17);
  if (!s.null(18)) c.prompt_attack = prompt_attack_from_json(json::parse(s.text(18)));
  c.cell = s.integer(19);
  return c;
}

json info_json(const ConditionInfo& info) {
  return {{"model", info.model}, {"dataset", info.dataset},         {"condition", info.condition},
          {"kind", info.kind},   {"num_classes", info.num_classes}, {"attributes", info.attributes}};
}

json audit_json(const OverlapAudit& a) {
  return {{"dataset", a.dataset}, {"index", a.index},         {"factory", a.factory},
          {"index_vectors", a.index_vectors},                 {"model", a.model},
          {"model_hash", a.model_hash},                       {"k", a.k},
          {"exact", a.thresholds.exact},                      {"near", a.thresholds.near},
          {"search", a.search},   {"samples", a.samples},     {"ranks", a.ranks},
          {"class_names", a.class_names},
          {"seconds", a.seconds}};
}

OverlapAudit audit_from(const std::string& text) {
  const json j = json::parse(text);
  OverlapAudit a;
  a.dataset = j.at("dataset");
  a.index = j.at("index");
  a.factory = j.at("factory");
  a.index_vectors = j.at("index_vectors");
  a.model = j.at("model");
  a.model_hash = j.at("model_hash");
  a.k = j.at("k");
  a.thresholds = {j.at("exact"), j.at("near")};
  a.search = j.at("search");
  a.samples = j.at("samples");
  a.ranks = j.at("ranks");
  a.class_names = j.at("class_names").get<std::vector<std::string>>();
  a.seconds = j.at("seconds");
  return a;
}

ConditionInfo info_from(const std::string& text) {
  const json j = json::parse(text);
  ConditionInfo info;
  info.model = j.at("model");
  info.dataset = j.at("dataset");
  info.condition = j.at("condition");
  info.kind = j.at("kind");
  info.num_classes = j.at("num_classes");
  info.attributes = j.at("attributes").get<std::map<std::string, std::string>>();
  return info;
}

}  // namespace

ResultsStore::ResultsStore(const std::filesystem::path& file, Access access) : file_(file), access_(access) {
  // SQLite takes an empty file for an empty database; RoZ never leaves one (the schema is written on
  // creation), so it is a store truncated by a crash or a full disk, not a place to start afresh.
  std::error_code ec;
  if (std::filesystem::is_regular_file(file, ec) && std::filesystem::file_size(file, ec) == 0 && !ec)
    throw DataError("results store '" + file.string() +
                    "': the file is empty (0 bytes), not a store: truncated? Remove it to start a new run");
  if (access == Access::read_only) {
    if (!std::filesystem::exists(file, ec)) throw DataError("results store '" + file.string() + "': does not exist");
    std::filesystem::path log = file;
    log += "-wal";
    if (std::filesystem::file_size(log, ec) > 0 && !ec)
      throw DataError("results store '" + file.string() + "' has an unfinished write-ahead log ('" + log.string() +
                      "': a run was killed or is still running): open it where it is writable, or --resume the run");
  }
  // immutable=1: no locks and no -shm file, so nothing is created beside a read-only store.
  const std::string name = access == Access::read_only ? "file:" + file.string() + "?immutable=1" : file.string();
  const int flags = access == Access::read_only ? SQLITE_OPEN_READONLY | SQLITE_OPEN_URI
                                                : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(name.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw DataError("results store '" + file.string() + "': cannot open: " + message);
  }
  try {
    sqlite3_busy_timeout(db_, 10000);
    if (access == Access::read_write) {
      exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
      exec(kSchema);
    }
    if (std::optional<std::string> version = meta("schema_version")) {
      if (*version != kSchemaVersion)
        throw DataError("results store '" + file.string() + "': schema version " + *version + ", this roz writes " +
                        kSchemaVersion);
    } else if (access == Access::read_only) {
      throw DataError("results store '" + file.string() + "': no schema version (not a RoZ results store?)");
    } else {
      set_meta("schema_version", kSchemaVersion);
    }
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

ResultsStore::~ResultsStore() {
  sqlite3_close(db_);
}

void ResultsStore::check_integrity() const {
  Statement s(db_, "PRAGMA quick_check", file_);
  std::string problems;
  while (s.step())
    if (s.text(0) != "ok") problems += (problems.empty() ? "" : "; ") + s.text(0);
  if (!problems.empty())
    throw DataError("results store '" + file_.string() + "' is damaged (" + problems.substr(0, 300) +
                    "): restore it from a copy or start a new run in another --out");
}

void ResultsStore::exec(const std::string& sql) const {
  exec_sql(db_, file_, sql);
}

std::optional<std::string> ResultsStore::meta(const std::string& key) const {
  Statement s(db_, "SELECT value FROM meta WHERE key = ?", file_);
  s.bind(1, key);
  if (!s.step()) return std::nullopt;
  return s.text(0);
}

void ResultsStore::set_meta(const std::string& key, const std::string& value) {
  Statement s(db_, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
              file_);
  s.bind(1, key).bind(2, value).run();
}

StoredCondition ResultsStore::open_condition(const StoredCondition& cell) {
  {
    Statement find(db_, std::string("SELECT ") + kConditionColumns + " FROM conditions WHERE key = ?", file_);
    find.bind(1, cell.key);
    if (find.step()) return condition_from(find);
  }
  Statement insert(db_,
                   "INSERT INTO conditions(key, model, model_hash, model_version, dataset, condition, kind, "
                   "plugin_version, attributes, num_classes, cell, status) VALUES(?,?,?,?,?,?,?,?,?,?,?,'running')",
                   file_);
  insert.bind(1, cell.key)
      .bind(2, cell.info.model)
      .bind(3, cell.model_hash)
      .bind(4, cell.model_version)
      .bind(5, cell.info.dataset)
      .bind(6, cell.info.condition)
      .bind(7, cell.info.kind)
      .bind(8, cell.plugin_version)
      .bind(9, attributes_json(cell.info.attributes).dump())
      .bind(10, cell.info.num_classes)
      .bind(11, cell.cell)
      .run();
  StoredCondition out = cell;
  out.id = sqlite3_last_insert_rowid(db_);
  out.status = "running";
  return out;
}

std::vector<StoredCondition> ResultsStore::conditions() const {
  Statement s(db_, std::string("SELECT ") + kConditionColumns + " FROM conditions ORDER BY cell, id", file_);
  std::vector<StoredCondition> out;
  while (s.step()) out.push_back(condition_from(s));
  return out;
}

std::set<std::string> ResultsStore::recorded_samples(std::int64_t condition_id) const {
  Statement s(db_, "SELECT sample_id FROM records WHERE condition_id = ?", file_);
  s.bind(1, condition_id);
  std::set<std::string> out;
  while (s.step()) out.insert(s.text(0));
  return out;
}

void ResultsStore::add_batch(std::int64_t condition_id, const BatchOutcome& batch, double seconds) {
  Transaction transaction(db_, file_);
  Statement record(db_,
                   "INSERT INTO records(condition_id, sample_id, status, label, accepted, prediction, correct, "
                   "confidence, topk, written_label, logits, embedding, linf, l2, metadata) "
                   "VALUES(?,?,'ok',?,?,?,?,?,?,?,?,?,?,?,?)",
                   file_);
  const std::string who = "results store '" + file_.string() + "'";
  for (const SampleRecord& r : batch.records) {
    const auto& l = r.logits;
    std::vector<std::int64_t> order(l.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::int64_t>(i);
    const std::size_t k = std::min<std::size_t>(5, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](std::int64_t a, std::int64_t b) { return l[a] > l[b]; });
    order.resize(k);
    const std::int64_t prediction = order.empty() ? -1 : order[0];
    double denominator = 0;
    for (float v : l) denominator += std::exp(static_cast<double>(v) - l[static_cast<std::size_t>(prediction)]);
    // The metrics' own rule (and its refusal of a label outside the classes), so the column and
    // the reported top1 cannot disagree.
    const bool correct = metrics::top1_correct(l, metrics::accepted_labels(r, who));
    record.bind(1, condition_id).bind(2, r.sample_id).bind(3, r.label).bind(4, json(r.accepted_labels).dump());
    record.bind(5, prediction).bind(6, static_cast<std::int64_t>(correct)).bind(7, 1.0 / denominator);
    record.bind(8, json(order).dump());
    if (auto w = r.metadata.find("written_label"); w != r.metadata.end())
      record.bind(9, static_cast<std::int64_t>(std::stoll(w->second)));
    else
      record.bind_null(9);
    record.bind_floats(10, r.logits).bind_floats(11, r.embedding);
    record.bind(12, r.perturbation_linf ? std::optional<double>(*r.perturbation_linf) : std::nullopt);
    record.bind(13, r.perturbation_l2 ? std::optional<double>(*r.perturbation_l2) : std::nullopt);
    record.bind(14, json(r.metadata).dump()).run();
  }
  Statement other(db_, "INSERT INTO records(condition_id, sample_id, status) VALUES(?,?,?)", file_);
  for (const std::string& id : batch.skipped) other.bind(1, condition_id).bind(2, id).bind(3, "skipped").run();
  for (const std::string& id : batch.unreadable) other.bind(1, condition_id).bind(2, id).bind(3, "unreadable").run();
  Statement counters(
      db_,
      "UPDATE conditions SET samples = samples + ?, skipped = skipped + ?, unreadable = unreadable + ?, "
      "gradient_evaluations = gradient_evaluations + ?, queries = queries + ?, seconds = seconds + ? "
      "WHERE id = ?",
      file_);
  counters.bind(1, static_cast<std::int64_t>(batch.records.size()))
      .bind(2, static_cast<std::int64_t>(batch.skipped.size()))
      .bind(3, static_cast<std::int64_t>(batch.unreadable.size()))
      .bind(4, batch.gradient_evaluations)
      .bind(5, batch.queries)
      .bind(6, seconds)
      .bind(7, condition_id)
      .run();
  transaction.commit();
}

void ResultsStore::finish_condition(std::int64_t condition_id,
                                    const std::optional<PromptAttackSummary>& prompt_attack) {
  Statement s(db_, "UPDATE conditions SET status = 'done', prompt_attack = ? WHERE id = ?", file_);
  if (prompt_attack)
    s.bind(1, prompt_attack_json(*prompt_attack).dump());
  else
    s.bind_null(1);
  s.bind(2, condition_id).run();
}

void ResultsStore::read_records(std::int64_t condition_id,
                                const std::function<void(const SampleRecord&)>& visit) const {
  Statement s(db_,
              "SELECT sample_id, label, accepted, logits, embedding, linf, l2, metadata FROM records "
              "WHERE condition_id = ? AND status = 'ok' ORDER BY rowid",
              file_);
  s.bind(1, condition_id);
  while (s.step()) {
    SampleRecord r;
    r.sample_id = s.text(0);
    r.label = s.integer(1);
    r.accepted_labels = json::parse(s.text(2)).get<std::vector<std::int64_t>>();
    r.logits = s.floats(3);
    r.embedding = s.floats(4);
    if (!s.null(5)) r.perturbation_linf = static_cast<float>(s.real(5));
    if (!s.null(6)) r.perturbation_l2 = static_cast<float>(s.real(6));
    r.metadata = attributes_from(s.text(7));
    visit(r);
  }
}

void ResultsStore::replace_summaries(const std::vector<StoredSummary>& rows) {
  Transaction transaction(db_, file_);
  exec("DELETE FROM summaries");
  Statement s(db_,
              "INSERT INTO summaries(scope, metric, condition_id, condition, name, value, ci_low, ci_high, "
              "boot_low, boot_high) VALUES(?,?,?,?,?,?,?,?,?,?)",
              file_);
  for (const StoredSummary& r : rows) {
    s.bind(1, r.scope).bind(2, r.metric);
    if (r.condition_id > 0)
      s.bind(3, r.condition_id);
    else
      s.bind_null(3);
    s.bind(4, info_json(r.info).dump()).bind(5, r.value.name).bind(6, r.value.value);
    s.bind(7, r.value.ci_low).bind(8, r.value.ci_high).bind(9, r.boot_low).bind(10, r.boot_high).run();
  }
  transaction.commit();
}

std::vector<StoredSummary> ResultsStore::summaries() const {
  Statement s(db_,
              "SELECT scope, metric, condition_id, condition, name, value, ci_low, ci_high, boot_low, boot_high "
              "FROM summaries ORDER BY rowid",
              file_);
  std::vector<StoredSummary> out;
  while (s.step()) {
    StoredSummary r;
    r.scope = s.text(0);
    r.metric = s.text(1);
    r.condition_id = s.null(2) ? 0 : s.integer(2);
    r.info = info_from(s.text(3));
    r.value = {s.text(4), s.real(5), s.optional_real(6), s.optional_real(7)};
    r.boot_low = s.optional_real(8);
    r.boot_high = s.optional_real(9);
    out.push_back(std::move(r));
  }
  return out;
}

void ResultsStore::store_overlap(const OverlapAudit& audit, const std::vector<OverlapSample>& samples,
                                 const std::vector<OverlapPair>& pairs) {
  Transaction transaction(db_, file_);
  for (const char* table : {"overlap_audits", "overlap_neighbours", "overlap_pairs"}) {
    Statement drop(db_, std::string("DELETE FROM ") + table + " WHERE dataset = ?", file_);
    drop.bind(1, audit.dataset).run();
  }
  Statement insert_audit(db_, "INSERT INTO overlap_audits VALUES (?, ?)", file_);
  insert_audit.bind(1, audit.dataset).bind(2, audit_json(audit).dump()).run();
  Statement neighbour(db_, "INSERT INTO overlap_neighbours VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", file_);
  for (const OverlapSample& s : samples)
    for (std::size_t r = 0; r < s.neighbours.size(); ++r) {
      const OverlapNeighbour& n = s.neighbours[r];
      neighbour.bind(1, audit.dataset)
          .bind(2, s.sample_id)
          .bind(3, s.label)
          .bind(4, s.source)
          .bind(5, static_cast<std::int64_t>(r))
          .bind(6, n.similarity)
          .bind(7, n.vector)
          .bind(8, n.id)
          .bind(9, n.source)
          .bind(10, n.caption);
      if (n.label)
        neighbour.bind(11, *n.label);
      else
        neighbour.bind_null(11);
      neighbour.run();
    }
  Statement pair(db_, "INSERT INTO overlap_pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", file_);
  for (std::size_t i = 0; i < pairs.size(); ++i)
    pair.bind(1, audit.dataset)
        .bind(2, static_cast<std::int64_t>(i))
        .bind(3, pairs[i].sample_id)
        .bind(4, pairs[i].neighbour_id)
        .bind(5, pairs[i].neighbour_caption)
        .bind(6, pairs[i].similarity)
        .bind_bytes(7, pairs[i].query_png)
        .bind_bytes(8, pairs[i].neighbour_png)
        .run();
  transaction.commit();
}

std::vector<OverlapAudit> ResultsStore::overlap_audits() const {
  Statement s(db_, "SELECT audit FROM overlap_audits ORDER BY dataset", file_);
  std::vector<OverlapAudit> out;
  while (s.step()) out.push_back(audit_from(s.text(0)));
  return out;
}

std::vector<OverlapSample> ResultsStore::overlap_samples(const std::string& dataset) const {
  Statement s(db_,
              "SELECT sample_id, label, source, similarity, vector, neighbour_id, neighbour_source, neighbour_caption, "
              "neighbour_label FROM overlap_neighbours WHERE dataset = ? ORDER BY rowid",
              file_);
  s.bind(1, dataset);
  std::vector<OverlapSample> out;
  while (s.step()) {
    if (out.empty() || out.back().sample_id != s.text(0)) out.push_back({s.text(0), s.integer(1), s.text(2), {}});
    OverlapNeighbour n{s.real(3), s.integer(4), s.text(5), s.text(6), s.text(7), std::nullopt};
    if (!s.null(8)) n.label = s.integer(8);
    out.back().neighbours.push_back(std::move(n));
  }
  return out;
}

std::vector<OverlapPair> ResultsStore::overlap_pairs(const std::string& dataset) const {
  Statement s(db_,
              "SELECT sample_id, neighbour_id, neighbour_caption, similarity, query_png, neighbour_png FROM "
              "overlap_pairs WHERE dataset = ? ORDER BY position",
              file_);
  s.bind(1, dataset);
  std::vector<OverlapPair> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2), s.real(3), s.bytes(4), s.bytes(5)});
  return out;
}

void ResultsStore::merge_from(const std::filesystem::path& other) {
  ResultsStore source(other);  // validates the schema
  for (const OverlapAudit& audit : source.overlap_audits())
    store_overlap(audit, source.overlap_samples(audit.dataset), source.overlap_pairs(audit.dataset));
  const std::vector<StoredCondition> mine = conditions();
  for (const StoredCondition& c : source.conditions()) {
    auto existing = std::find_if(mine.begin(), mine.end(), [&](const StoredCondition& m) { return m.key == c.key; });
    const bool replaces = existing != mine.end();
    if (replaces) {
      if (existing->status == "done" && c.status == "done" && existing->samples != c.samples)
        throw DataError("merge: condition '" + c.key + "' is finished in both '" + file_.string() + "' and '" +
                        other.string() + "' with different sample counts");
      if (existing->status == "done" || c.status != "done") continue;
    }
    // The unfinished copy goes in the same transaction that writes the finished one: a failure
    // anywhere in between leaves the cell as it was.
    AttachedSource attached(db_, file_, other);
    Transaction transaction(db_, file_);
    if (replaces) {
      Statement drop(db_, "DELETE FROM records WHERE condition_id = ?", file_);
      drop.bind(1, existing->id).run();
      Statement drop_condition(db_, "DELETE FROM conditions WHERE id = ?", file_);
      drop_condition.bind(1, existing->id).run();
    }
    StoredCondition copy = open_condition(c);
    Statement counters(db_,
                       "UPDATE conditions SET status = ?, samples = ?, skipped = ?, unreadable = ?, "
                       "gradient_evaluations = ?, queries = ?, seconds = ?, prompt_attack = "
                       "(SELECT prompt_attack FROM source.conditions WHERE id = ?) WHERE id = ?",
                       file_);
    counters.bind(1, c.status)
        .bind(2, c.samples)
        .bind(3, c.skipped)
        .bind(4, c.unreadable)
        .bind(5, c.gradient_evaluations)
        .bind(6, c.queries)
        .bind(7, c.seconds)
        .bind(8, c.id)
        .bind(9, copy.id)
        .run();
    Statement records(db_,
                      "INSERT INTO records SELECT ?, sample_id, status, label, accepted, prediction, correct, "
                      "confidence, topk, written_label, logits, embedding, linf, l2, metadata "
                      "FROM source.records WHERE condition_id = ? ORDER BY rowid",
                      file_);
    records.bind(1, copy.id).bind(2, c.id).run();
    transaction.commit();
  }
}

}  // namespace roz::core

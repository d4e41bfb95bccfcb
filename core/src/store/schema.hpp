// The results store's tables and columns (results_store.hpp). A store of an older schema is upgraded
// when opened writable (kUpgrades, one step at a time); any other version is refused by name, never
// read as this one.
#pragma once

namespace roz::core {

inline constexpr const char* kSchemaVersion = "4";

// Created first: it says which schema the other tables are in.
inline constexpr const char* kMetaSchema =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);";

// Created after any upgrade, so an upgrade alters the tables its version had.
inline constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS conditions(
  id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, cell INTEGER NOT NULL, model TEXT NOT NULL, model_hash TEXT, model_version TEXT,
  dataset TEXT NOT NULL, condition TEXT NOT NULL, kind TEXT NOT NULL, plugin_version TEXT, attributes TEXT,
  num_classes INTEGER, status TEXT NOT NULL, samples INTEGER DEFAULT 0, skipped INTEGER DEFAULT 0,
  unreadable INTEGER DEFAULT 0, gradient_evaluations INTEGER DEFAULT 0, queries INTEGER DEFAULT 0,
  seconds REAL DEFAULT 0, prompt_attack TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS records(
  condition_id INTEGER NOT NULL REFERENCES conditions(id), sample_id TEXT NOT NULL, status TEXT NOT NULL,
  label INTEGER, accepted TEXT, written_label INTEGER, logits BLOB, embedding BLOB, linf REAL, l2 REAL, metadata TEXT,
  PRIMARY KEY(condition_id, sample_id));
CREATE TABLE IF NOT EXISTS summaries(
  scope TEXT NOT NULL, metric TEXT NOT NULL, condition_id INTEGER, condition TEXT NOT NULL, name TEXT NOT NULL,
  value REAL, unit TEXT, ci_low REAL, ci_high REAL, boot_low REAL, boot_high REAL);
CREATE TABLE IF NOT EXISTS overlap_audits(dataset TEXT PRIMARY KEY, audit TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS overlap_neighbours(
  dataset TEXT NOT NULL, sample_id TEXT NOT NULL, label INTEGER, source TEXT, rank INTEGER NOT NULL,
  similarity REAL NOT NULL, vector INTEGER, neighbour_id TEXT, neighbour_source TEXT, neighbour_caption TEXT,
  neighbour_label INTEGER, verification REAL, PRIMARY KEY(dataset, sample_id, rank));
CREATE TABLE IF NOT EXISTS overlap_pairs(
  dataset TEXT NOT NULL, position INTEGER NOT NULL, sample_id TEXT, neighbour_id TEXT, neighbour_caption TEXT,
  similarity REAL, query_png BLOB, neighbour_png BLOB, verification REAL, status TEXT, PRIMARY KEY(dataset, position));
)sql";

// From schema 1 to 2: conditions gained the error of a failed one; records lost the columns that
// judged them (prediction, correct, confidence, topk): the store keeps records, the metrics judge.
inline constexpr const char* kUpgradeFrom1 =
    "ALTER TABLE conditions ADD COLUMN error TEXT; ALTER TABLE records DROP COLUMN prediction; "
    "ALTER TABLE records DROP COLUMN correct; ALTER TABLE records DROP COLUMN confidence; "
    "ALTER TABLE records DROP COLUMN topk;";

// From schema 2 to 3: a summary keeps its value's unit (plugin ABI 3). Older summaries have none;
// `roz report` recomputes them from the records.
inline constexpr const char* kUpgradeFrom2 = "ALTER TABLE summaries ADD COLUMN unit TEXT;";

// From schema 3 to 4: the audit verifies copies on the pixels; a neighbour and a shown pair keep the
// verification score, a pair its sample's status. Older audits read as decided by cosine alone. A
// store that never held an audit may lack the tables: they are made as schema 3 had them first.
inline constexpr const char* kUpgradeFrom3 = R"sql(
CREATE TABLE IF NOT EXISTS overlap_neighbours(
  dataset TEXT NOT NULL, sample_id TEXT NOT NULL, label INTEGER, source TEXT, rank INTEGER NOT NULL,
  similarity REAL NOT NULL, vector INTEGER, neighbour_id TEXT, neighbour_source TEXT, neighbour_caption TEXT,
  neighbour_label INTEGER, PRIMARY KEY(dataset, sample_id, rank));
CREATE TABLE IF NOT EXISTS overlap_pairs(
  dataset TEXT NOT NULL, position INTEGER NOT NULL, sample_id TEXT, neighbour_id TEXT, neighbour_caption TEXT,
  similarity REAL, query_png BLOB, neighbour_png BLOB, PRIMARY KEY(dataset, position));
ALTER TABLE overlap_neighbours ADD COLUMN verification REAL;
ALTER TABLE overlap_pairs ADD COLUMN verification REAL;
ALTER TABLE overlap_pairs ADD COLUMN status TEXT;
)sql";

struct SchemaUpgrade {
  const char* from;
  const char* to;
  const char* sql;
};
inline constexpr SchemaUpgrade kUpgrades[] = {
    {"1", "2", kUpgradeFrom1}, {"2", "3", kUpgradeFrom2}, {"3", "4", kUpgradeFrom3}};

}  // namespace roz::core

#include "roz/core/condition_store.hpp"

#include <nlohmann/json.hpp>

#include "roz/core/prompt_attack_json.hpp"
#include "store/sqlite_statement.hpp"
#include "store/store_json.hpp"

namespace roz::core {

namespace {

using nlohmann::json;

constexpr const char* kColumns =
    "id, key, model, model_hash, model_version, dataset, condition, kind, plugin_version, attributes, num_classes, "
    "status, samples, skipped, unreadable, gradient_evaluations, queries, seconds, prompt_attack, cell, error";

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
  c.error = s.text(20);
  return c;
}

}  // namespace

StoredCondition ConditionStore::open(const StoredCondition& cell) {
  {
    Statement find(db_, std::string("SELECT ") + kColumns + " FROM conditions WHERE key = ?");
    find.bind(1, cell.key);
    if (find.step()) return condition_from(find);
  }
  Statement insert(db_,
                   "INSERT INTO conditions(key, model, model_hash, model_version, dataset, condition, kind, "
                   "plugin_version, attributes, num_classes, cell, status) VALUES(?,?,?,?,?,?,?,?,?,?,?,'running')");
  insert.bind(1, cell.key)
      .bind(2, cell.info.model)
      .bind(3, cell.model_hash)
      .bind(4, cell.model_version)
      .bind(5, cell.info.dataset)
      .bind(6, cell.info.condition)
      .bind(7, cell.info.kind)
      .bind(8, cell.plugin_version)
      .bind(9, json(cell.info.attributes).dump())
      .bind(10, cell.info.num_classes)
      .bind(11, cell.cell)
      .run();
  StoredCondition out = cell;
  out.id = sqlite3_last_insert_rowid(db_.handle);
  out.status = "running";
  return out;
}

std::vector<StoredCondition> ConditionStore::all() const {
  Statement s(db_, std::string("SELECT ") + kColumns + " FROM conditions ORDER BY cell, id");
  std::vector<StoredCondition> out;
  while (s.step()) out.push_back(condition_from(s));
  return out;
}

void ConditionStore::add_counts(std::int64_t id, const BatchCounts& counts) {
  Statement s(db_,
              "UPDATE conditions SET samples = samples + ?, skipped = skipped + ?, unreadable = unreadable + ?, "
              "gradient_evaluations = gradient_evaluations + ?, queries = queries + ?, seconds = seconds + ? "
              "WHERE id = ?");
  s.bind(1, counts.samples)
      .bind(2, counts.skipped)
      .bind(3, counts.unreadable)
      .bind(4, counts.gradient_evaluations)
      .bind(5, counts.queries)
      .bind(6, counts.seconds)
      .bind(7, id)
      .run();
}

void ConditionStore::finish(std::int64_t id, const std::optional<PromptAttackSummary>& prompt_attack) {
  Statement s(db_, "UPDATE conditions SET status = 'done', error = NULL, prompt_attack = ? WHERE id = ?");
  if (prompt_attack)
    s.bind(1, prompt_attack_json(*prompt_attack).dump());
  else
    s.bind_null(1);
  s.bind(2, id).run();
}

void ConditionStore::fail(std::int64_t id, const std::string& error) {
  Statement s(db_, "UPDATE conditions SET status = 'failed', error = ? WHERE id = ?");
  s.bind(1, error).bind(2, id).run();
}

void ConditionStore::erase(std::int64_t id) {
  Statement s(db_, "DELETE FROM conditions WHERE id = ?");
  s.bind(1, id).run();
}

void ConditionStore::copy_state_from_source(const StoredCondition& from, std::int64_t to) {
  Statement s(db_,
              "UPDATE conditions SET status = ?, samples = ?, skipped = ?, unreadable = ?, "
              "gradient_evaluations = ?, queries = ?, seconds = ?, error = ?, prompt_attack = "
              "(SELECT prompt_attack FROM source.conditions WHERE id = ?) WHERE id = ?");
  s.bind(1, from.status)
      .bind(2, from.samples)
      .bind(3, from.skipped)
      .bind(4, from.unreadable)
      .bind(5, from.gradient_evaluations)
      .bind(6, from.queries)
      .bind(7, from.seconds)
      .bind(8, from.error)
      .bind(9, from.id)
      .bind(10, to)
      .run();
}

}  // namespace roz::core

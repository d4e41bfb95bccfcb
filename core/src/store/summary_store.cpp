#include "roz/core/summary_store.hpp"

#include <nlohmann/json.hpp>

#include "roz/core/store_database.hpp"
#include "roz/error.hpp"
#include "store/sqlite_statement.hpp"

namespace roz::core {

namespace {

using nlohmann::json;

json info_json(const ConditionInfo& info) {
  return {{"model", info.model}, {"dataset", info.dataset},         {"condition", info.condition},
          {"kind", info.kind},   {"num_classes", info.num_classes}, {"attributes", info.attributes}};
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

// A summary stored before units (schema 2) has none: a plain number until `roz report` recomputes it.
Unit stored_unit(const std::string& text, const StoreDatabase& db) {
  if (text.empty()) return Unit::number;
  if (std::optional<Unit> unit = parse_unit(text)) return *unit;
  throw DataError("results store '" + db.file.string() + "': summary with unknown unit '" + text + "'");
}

}  // namespace

void SummaryStore::replace(const std::vector<StoredSummary>& rows) {
  Transaction transaction(db_);
  exec_sql(db_, "DELETE FROM summaries");
  Statement s(db_,
              "INSERT INTO summaries(scope, metric, condition_id, condition, name, value, unit, ci_low, ci_high, "
              "boot_low, boot_high) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  for (const StoredSummary& r : rows) {
    s.bind(1, r.scope).bind(2, r.metric);
    s.bind(3, r.condition_id > 0 ? std::optional(r.condition_id) : std::nullopt);
    s.bind(4, info_json(r.info).dump()).bind(5, r.value.name).bind(6, r.value.value);
    s.bind(7, std::string(to_string(r.value.unit)));
    s.bind(8, r.value.ci_low).bind(9, r.value.ci_high).bind(10, r.boot_low).bind(11, r.boot_high).run();
  }
  transaction.commit();
}

std::vector<StoredSummary> SummaryStore::all() const {
  Statement s(db_,
              "SELECT scope, metric, condition_id, condition, name, value, unit, ci_low, ci_high, boot_low, boot_high "
              "FROM summaries ORDER BY rowid");
  std::vector<StoredSummary> out;
  while (s.step()) {
    StoredSummary r;
    r.scope = s.text(0);
    r.metric = s.text(1);
    r.condition_id = s.optional_integer(2).value_or(0);
    r.info = info_from(s.text(3));
    r.value = {s.text(4), s.real(5), stored_unit(s.text(6), db_), s.optional_real(7), s.optional_real(8)};
    r.boot_low = s.optional_real(9);
    r.boot_high = s.optional_real(10);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace roz::core

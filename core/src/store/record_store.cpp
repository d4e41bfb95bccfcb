#include "roz/core/record_store.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "roz/core/condition_pipeline.hpp"
#include "store/sqlite_statement.hpp"
#include "store/store_json.hpp"

namespace roz::core {

namespace {

using nlohmann::json;

std::optional<std::int64_t> written_label(const SampleRecord& r) {
  auto w = r.metadata.find("written_label");
  if (w == r.metadata.end()) return std::nullopt;
  return static_cast<std::int64_t>(std::stoll(w->second));
}

std::optional<double> norm(const std::optional<float>& v) {
  return v ? std::optional<double>(*v) : std::nullopt;
}

}  // namespace

void RecordStore::insert(std::int64_t condition_id, const BatchOutcome& batch) {
  Statement record(db_,
                   "INSERT INTO records(condition_id, sample_id, status, label, accepted, written_label, logits, "
                   "embedding, linf, l2, metadata) VALUES(?,?,'ok',?,?,?,?,?,?,?,?)");
  for (const SampleRecord& r : batch.records) {
    record.bind(1, condition_id).bind(2, r.sample_id).bind(3, r.label).bind(4, json(r.accepted_labels).dump());
    record.bind(5, written_label(r)).bind_floats(6, r.logits).bind_floats(7, r.embedding);
    record.bind(8, norm(r.perturbation_linf)).bind(9, norm(r.perturbation_l2));
    record.bind(10, json(r.metadata).dump()).run();
  }
  Statement other(db_, "INSERT INTO records(condition_id, sample_id, status) VALUES(?,?,?)");
  for (const std::string& id : batch.skipped) other.bind(1, condition_id).bind(2, id).bind(3, "skipped").run();
  for (const std::string& id : batch.unreadable) other.bind(1, condition_id).bind(2, id).bind(3, "unreadable").run();
}

std::set<std::string> RecordStore::sample_ids(std::int64_t condition_id) const {
  Statement s(db_, "SELECT sample_id FROM records WHERE condition_id = ?");
  s.bind(1, condition_id);
  std::set<std::string> out;
  while (s.step()) out.insert(s.text(0));
  return out;
}

void RecordStore::read(std::int64_t condition_id, const std::function<void(const SampleRecord&)>& visit) const {
  Statement s(db_,
              "SELECT sample_id, label, accepted, logits, embedding, linf, l2, metadata FROM records "
              "WHERE condition_id = ? AND status = 'ok' ORDER BY rowid");
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

void RecordStore::erase(std::int64_t condition_id) {
  Statement s(db_, "DELETE FROM records WHERE condition_id = ?");
  s.bind(1, condition_id).run();
}

void RecordStore::copy_from_source(std::int64_t from, std::int64_t to) {
  Statement s(db_,
              "INSERT INTO records(condition_id, sample_id, status, label, accepted, written_label, logits, embedding, "
              "linf, l2, metadata) SELECT ?, sample_id, status, label, accepted, written_label, logits, embedding, "
              "linf, l2, metadata FROM source.records WHERE condition_id = ? ORDER BY rowid");
  s.bind(1, to).bind(2, from).run();
}

}  // namespace roz::core

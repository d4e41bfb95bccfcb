#include "roz/core/audit_store.hpp"

#include <nlohmann/json.hpp>

#include "store/sqlite_statement.hpp"

namespace roz::core {

namespace {

using nlohmann::json;

json optional_number(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}
std::optional<double> number_or_none(const json& v) {
  return v.is_null() ? std::nullopt : std::optional<double>(v.get<double>());
}

json audit_json(const OverlapAudit& a) {
  return {{"dataset", a.dataset},
          {"index", a.index},
          {"factory", a.factory},
          {"index_vectors", a.index_vectors},
          {"model", a.model},
          {"model_hash", a.model_hash},
          {"k", a.k},
          {"verification_threshold", optional_number(a.decision.verification)},
          {"embedding_threshold", optional_number(a.decision.embedding)},
          {"basis", a.decision.basis},
          {"score_normalisation",
           {{"neighbour", a.decision.normalisation.neighbour}, {"beta", a.decision.normalisation.beta}}},
          {"calibration", a.calibration ? json(calibration_text(*a.calibration)) : json(nullptr)},
          {"search", a.search},
          {"samples", a.samples},
          {"ranks", a.ranks},
          {"class_names", a.class_names},
          {"seconds", a.seconds},
          {"unreadable_neighbours", a.unreadable_neighbours},
          {"unreadable_examples", a.unreadable_examples}};
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
  if (j.contains("basis")) {
    a.decision = {
        number_or_none(j.at("verification_threshold")), number_or_none(j.at("embedding_threshold")), {}, j.at("basis")};
    if (j.contains("score_normalisation"))  // absent before score normalisation: raw cosines
      a.decision.normalisation = {j.at("score_normalisation").at("neighbour"), j.at("score_normalisation").at("beta")};
    if (!j.at("calibration").is_null())
      a.calibration = parse_calibration(j.at("calibration"), "the stored audit of '" + a.dataset + "'");
    a.unreadable_neighbours = j.at("unreadable_neighbours");
    a.unreadable_examples = j.at("unreadable_examples").get<std::vector<std::string>>();
  } else {  // stored before verification (schema 3): the nearest cosine decided at `near`
    a.decision = {std::nullopt,
                  j.at("near").get<double>(),
                  {},
                  "audited before copy verification: nearest-neighbour cosine >= near"};
  }
  a.search = j.at("search");
  a.samples = j.at("samples");
  a.ranks = j.at("ranks");
  a.class_names = j.at("class_names").get<std::vector<std::string>>();
  a.seconds = j.at("seconds");
  return a;
}

void insert_neighbours(const StoreDatabase& db, const std::string& dataset, const std::vector<OverlapSample>& samples) {
  Statement neighbour(db, "INSERT INTO overlap_neighbours VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const OverlapSample& s : samples)
    for (std::size_t r = 0; r < s.neighbours.size(); ++r) {
      const OverlapNeighbour& n = s.neighbours[r];
      neighbour.bind(1, dataset)
          .bind(2, s.sample_id)
          .bind(3, s.label)
          .bind(4, s.source)
          .bind(5, static_cast<std::int64_t>(r))
          .bind(6, n.similarity)
          .bind(7, n.vector)
          .bind(8, n.id)
          .bind(9, n.source)
          .bind(10, n.caption)
          .bind(11, n.label)
          .bind(12, n.verification)
          .run();
    }
}

void insert_pairs(const StoreDatabase& db, const std::string& dataset, const std::vector<OverlapPair>& pairs) {
  Statement pair(db, "INSERT INTO overlap_pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (std::size_t i = 0; i < pairs.size(); ++i)
    pair.bind(1, dataset)
        .bind(2, static_cast<std::int64_t>(i))
        .bind(3, pairs[i].sample_id)
        .bind(4, pairs[i].neighbour_id)
        .bind(5, pairs[i].neighbour_caption)
        .bind(6, pairs[i].similarity)
        .bind_bytes(7, pairs[i].query_png)
        .bind_bytes(8, pairs[i].neighbour_png)
        .bind(9, pairs[i].verification)
        .bind(10, pairs[i].status)
        .run();
}

}  // namespace

void AuditStore::replace(const OverlapAudit& audit, const std::vector<OverlapSample>& samples,
                         const std::vector<OverlapPair>& pairs) {
  Transaction transaction(db_);
  for (const char* table : {"overlap_audits", "overlap_neighbours", "overlap_pairs"}) {
    Statement drop(db_, std::string("DELETE FROM ") + table + " WHERE dataset = ?");
    drop.bind(1, audit.dataset).run();
  }
  Statement insert_audit(db_, "INSERT INTO overlap_audits VALUES (?, ?)");
  insert_audit.bind(1, audit.dataset).bind(2, audit_json(audit).dump()).run();
  insert_neighbours(db_, audit.dataset, samples);
  insert_pairs(db_, audit.dataset, pairs);
  transaction.commit();
}

std::vector<OverlapAudit> AuditStore::all() const {
  Statement s(db_, "SELECT audit FROM overlap_audits ORDER BY dataset");
  std::vector<OverlapAudit> out;
  while (s.step()) out.push_back(audit_from(s.text(0)));
  return out;
}

std::vector<OverlapSample> AuditStore::samples(const std::string& dataset) const {
  Statement s(db_,
              "SELECT sample_id, label, source, similarity, vector, neighbour_id, neighbour_source, neighbour_caption, "
              "neighbour_label, verification FROM overlap_neighbours WHERE dataset = ? ORDER BY rowid");
  s.bind(1, dataset);
  std::vector<OverlapSample> out;
  while (s.step()) {
    if (out.empty() || out.back().sample_id != s.text(0)) out.push_back({s.text(0), s.integer(1), s.text(2), {}});
    out.back().neighbours.push_back(
        {s.real(3), s.integer(4), s.text(5), s.text(6), s.text(7), s.optional_integer(8), s.optional_real(9)});
  }
  return out;
}

std::vector<OverlapPair> AuditStore::pairs(const std::string& dataset) const {
  Statement s(db_,
              "SELECT sample_id, neighbour_id, neighbour_caption, similarity, verification, status, query_png, "
              "neighbour_png FROM "
              "overlap_pairs WHERE dataset = ? ORDER BY position");
  s.bind(1, dataset);
  std::vector<OverlapPair> out;
  while (s.step())
    out.push_back({s.text(0), s.text(1), s.text(2), s.real(3), s.optional_real(4), s.text(5), s.bytes(6), s.bytes(7)});
  return out;
}

}  // namespace roz::core

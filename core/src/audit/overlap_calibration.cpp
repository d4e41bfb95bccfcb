#include "roz/core/overlap_calibration.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <numeric>

#include "audit/neighbour_images.hpp"
#include "roz/core/atomic_file.hpp"
#include "roz/core/copy_edits.hpp"
#include "roz/core/copy_verification.hpp"
#include "roz/core/embedder.hpp"
#include "roz/core/overlap_audit.hpp"
#include "roz/core/overlap_records.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/seed.hpp"

namespace roz::core {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kCurvePoints = 200;

// The planted copies, as a dataset the embedder reads.
class PlantedCopies final : public datasets::Dataset {
 public:
  void add(const datasets::SampleInfo& original, cv::Mat image, std::string spec) {
    datasets::SampleInfo s = original;
    s.id = "planted copy of " + original.id;
    s.storage = images_.size();
    samples_.push_back(s);
    images_.push_back(std::move(image));
    specs_.push_back(std::move(spec));
  }
  const cv::Mat& image(std::size_t i) const { return images_[i]; }
  std::string source(const datasets::SampleInfo& s) const override { return s.id + " (" + specs_[s.storage] + ")"; }

 private:
  cv::Mat load_(const datasets::SampleInfo& s) const override { return images_[s.storage]; }
  std::vector<cv::Mat> images_;
  std::vector<std::string> specs_;
};

struct ScoredPair {
  double score = 0;
  bool positive = false;
};

// Precision and recall of flagging every pair at or above each distinct score. The chosen point is
// the lowest score whose precision reaches the target (the most recall at that precision); the
// threshold sits halfway to the next lower score, in the gap that separates the flagged pairs from
// the rest, so that a copy on another seed scoring a little below this seed's weakest is not lost.
StageCalibration sweep(std::vector<ScoredPair> pairs, std::int64_t positives, double target) {
  StageCalibration stage;
  stage.positives = positives;
  std::sort(pairs.begin(), pairs.end(), [](const ScoredPair& a, const ScoredPair& b) { return a.score > b.score; });
  std::vector<CurvePoint> curve;
  std::int64_t tp = 0, fp = 0;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    (pairs[i].positive ? tp : fp) += 1;
    if (i + 1 < pairs.size() && pairs[i + 1].score == pairs[i].score) continue;
    const CurvePoint p{pairs[i].score, static_cast<double>(tp) / static_cast<double>(tp + fp),
                       positives > 0 ? static_cast<double>(tp) / static_cast<double>(positives) : 0};
    curve.push_back(p);
    if (tp > 0 && p.precision >= target) {
      stage.threshold = i + 1 < pairs.size() ? (p.threshold + pairs[i + 1].score) / 2 : p.threshold;
      stage.precision = p.precision;
      stage.recall = p.recall;
    }
  }
  stage.negatives = fp;
  // Thinned for the file and the report's chart, the chosen point kept.
  const std::size_t step = std::max<std::size_t>(1, (curve.size() + kCurvePoints - 1) / kCurvePoints);
  for (std::size_t i = 0; i < curve.size(); ++i)
    if (i % step == 0 || i + 1 == curve.size() ||
        (stage.recall == curve[i].recall && stage.precision == curve[i].precision))
      stage.curve.push_back(curve[i]);
  return stage;
}

json stage_json(const StageCalibration& s) {
  json curve = json::array();
  for (const CurvePoint& p : s.curve) curve.push_back({p.threshold, p.precision, p.recall});
  return {{"threshold", s.threshold ? json(*s.threshold) : json(nullptr)},
          {"precision", s.precision},
          {"recall", s.recall},
          {"positives", s.positives},
          {"negatives", s.negatives},
          {"curve", curve}};
}

StageCalibration stage_from(const json& j) {
  StageCalibration s;
  if (!j.at("threshold").is_null()) s.threshold = j.at("threshold").get<double>();
  s.precision = j.at("precision");
  s.recall = j.at("recall");
  s.positives = j.at("positives");
  s.negatives = j.at("negatives");
  for (const json& p : j.at("curve")) s.curve.push_back({p.at(0), p.at(1), p.at(2)});
  return s;
}

}  // namespace

fs::path calibration_path(const fs::path& index) {
  return overlap::index_directory(index) / "calibration.json";
}

std::string calibration_text(const OverlapCalibration& c) {
  const json j = {{"model", c.model},
                  {"model_hash", c.model_hash},
                  {"factory", c.factory},
                  {"index_vectors", c.index_vectors},
                  {"dataset", c.dataset},
                  {"copies", c.copies},
                  {"queries", c.queries},
                  {"k", c.k},
                  {"seed", c.seed},
                  {"search", c.search},
                  {"target_precision", c.target_precision},
                  {"edits", copy_edit_kinds()},
                  {"score_normalisation", {{"neighbour", c.normalisation.neighbour}, {"beta", c.normalisation.beta}}},
                  {"decided_by", c.decided_by},
                  {"embedding", stage_json(c.embedding)},
                  {"verification", stage_json(c.verification)},
                  {"unverifiable_pairs", c.unverifiable_pairs},
                  {"verification_note", c.verification_note},
                  {"recall_by_edit", c.recall_by_edit},
                  {"copies_outside_top_k", c.copies_outside_top_k},
                  {"created_by", c.created_by}};
  return j.dump(2) + "\n";
}

void write_calibration(const fs::path& file, const OverlapCalibration& c) {
  write_text_atomically(file, calibration_text(c));
}

OverlapCalibration read_calibration(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw DataError("overlap calibration '" + file.string() + "': cannot be read");
  return parse_calibration(std::string(std::istreambuf_iterator<char>(in), {}),
                           "overlap calibration '" + file.string() + "'");
}

OverlapCalibration parse_calibration(const std::string& text, const std::string& what) {
  try {
    const json j = json::parse(text);
    OverlapCalibration c;
    c.model = j.at("model");
    c.model_hash = j.at("model_hash");
    c.factory = j.at("factory");
    c.index_vectors = j.at("index_vectors");
    c.dataset = j.at("dataset");
    c.copies = j.at("copies");
    c.queries = j.at("queries");
    c.k = j.at("k");
    c.seed = j.at("seed");
    c.search = j.at("search");
    c.target_precision = j.at("target_precision");
    c.embedding = stage_from(j.at("embedding"));
    c.verification = stage_from(j.at("verification"));
    // Files from before score normalisation and the choice of stage: raw cosines, verification first.
    if (j.contains("score_normalisation")) {
      c.normalisation.neighbour = j.at("score_normalisation").at("neighbour");
      c.normalisation.beta = j.at("score_normalisation").at("beta");
    }
    c.decided_by = j.value("decided_by", c.verification.threshold ? "verification" : "embedding");
    if (c.decided_by != "verification" && c.decided_by != "embedding")
      throw DataError(what + ": decided_by '" + c.decided_by + "': expected verification or embedding");
    c.unverifiable_pairs = j.at("unverifiable_pairs");
    c.verification_note = j.at("verification_note");
    c.recall_by_edit = j.at("recall_by_edit").get<std::map<std::string, double>>();
    c.copies_outside_top_k = j.at("copies_outside_top_k");
    c.created_by = j.at("created_by");
    return c;
  } catch (const json::exception& e) {
    throw DataError(what + ": " + e.what());
  }
}

OverlapCalibration calibrate_overlap(PluginHost& host, const CalibrationSettings& settings,
                                     const AuditQueries& queries) {
  const overlap::ShardedIndex index(settings.index);
  const overlap::IndexManifest& manifest = index.manifest();
  if (manifest.vectors == 0)
    throw DataError("overlap calibrate: index '" + settings.index.string() + "' holds no vectors: an empty background");
  check_index_model(manifest, settings.index, *queries.model, queries.model_spec);
  if (settings.copies < 1) throw Error("overlap calibrate: --copies must be at least 1");

  // The sample: evaluation images in seeded order, the first `copies` planted, as many more without.
  std::vector<datasets::SampleInfo> order = queries.samples;
  std::vector<std::uint64_t> keys(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) keys[i] = derive_seed(settings.seed, "calibrate", order[i].id);
  std::vector<std::size_t> by_key(order.size());
  std::iota(by_key.begin(), by_key.end(), 0);
  std::sort(by_key.begin(), by_key.end(), [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
  const std::size_t wanted = std::min(order.size(), static_cast<std::size_t>(2 * settings.copies));
  std::vector<datasets::SampleInfo> sample;
  for (std::size_t i = 0; i < wanted; ++i) sample.push_back(order[by_key[i]]);
  const datasets::Dataset& dataset = *queries.dataset;

  // Embeddings of the queries (unreadable ones left out) and of their planted copies. With a score
  // normalisation every evaluation image is embedded once (its background, as in the audit) and the
  // sample's rows are taken from those.
  std::int64_t dim = 0;
  auto collect = [&](std::vector<float>& into, std::vector<datasets::SampleInfo>& infos) {
    return [&](const std::vector<datasets::SampleInfo>& batch, const float* values, std::int64_t d) {
      dim = d;
      into.insert(into.end(), values, values + batch.size() * static_cast<std::size_t>(d));
      infos.insert(infos.end(), batch.begin(), batch.end());
    };
  };
  auto skip = [](const std::string& message) { spdlog::warn("overlap calibrate: skipping {}", message); };
  const bool whole_set = settings.normalisation.enabled();
  std::vector<float> all_rows;
  std::vector<datasets::SampleInfo> all;
  embed_samples(host, *queries.model, dataset, whole_set ? queries.samples : sample, settings.batch_size,
                collect(all_rows, all), skip);
  std::map<std::string, std::size_t> row_of;
  for (std::size_t i = 0; i < all.size(); ++i) row_of.emplace(all[i].id, i);
  std::vector<float> rows;
  std::vector<datasets::SampleInfo> embedded;
  std::vector<std::size_t> embedded_row;  // each embedded sample's row in all_rows
  for (const datasets::SampleInfo& s : sample)
    if (auto it = row_of.find(s.id); it != row_of.end()) {
      const auto from = all_rows.begin() + static_cast<std::ptrdiff_t>(it->second) * dim;
      rows.insert(rows.end(), from, from + dim);
      embedded.push_back(all[it->second]);
      embedded_row.push_back(it->second);
    }
  const std::size_t planted_count =
      std::min<std::size_t>(static_cast<std::size_t>(settings.copies), embedded.size() / 2);
  if (embedded.size() < 2)
    throw DataError("overlap calibrate: dataset '" + dataset.name() + "' has fewer than two readable images");
  const std::vector<double> all_offsets =
      background_offsets(all_rows.data(), static_cast<std::int64_t>(all.size()), dim, settings.normalisation);
  std::vector<double> offsets(embedded.size());
  for (std::size_t q = 0; q < embedded.size(); ++q) offsets[q] = all_offsets[embedded_row[q]];

  PlantedCopies copies;
  std::vector<std::string> edit_kind(planted_count);
  for (std::size_t i = 0; i < planted_count; ++i) {
    const CopyEdit edit = draw_copy_edit(derive_seed(settings.seed, "copy-edit", embedded[i].id));
    edit_kind[i] = edit.kind;
    copies.add(embedded[i], apply_copy_edit(host, edit, dataset.load(embedded[i]), embedded[i].id), edit.spec);
  }
  std::vector<float> copy_rows;
  std::vector<datasets::SampleInfo> copy_infos;
  embed_samples(host, *queries.model, copies, copies.samples(), settings.batch_size, collect(copy_rows, copy_infos),
                skip);
  if (copy_infos.size() != planted_count) throw Error("overlap calibrate: a planted copy could not be embedded");

  // Stage 1: the index's k nearest, the planted copy taking its place among them when it ranks.
  const auto n = static_cast<std::int64_t>(embedded.size());
  const overlap::Neighbours found = index.search(rows.data(), n, settings.k, settings.search);
  struct Candidate {
    double similarity;
    std::int64_t vector;  // -1: the planted copy
  };
  std::vector<std::vector<Candidate>> candidates(embedded.size());
  std::int64_t outside = 0;
  for (std::int64_t q = 0; q < n; ++q) {
    auto& list = candidates[static_cast<std::size_t>(q)];
    for (std::int64_t r = 0; r < settings.k; ++r)
      if (found.id_at(q, r) >= 0)
        list.push_back({found.similarity_at(q, r) - offsets[static_cast<std::size_t>(q)], found.id_at(q, r)});
    if (static_cast<std::size_t>(q) >= planted_count) continue;
    const float* a = rows.data() + q * dim;
    const float* b = copy_rows.data() + q * dim;
    const double copy_similarity_ = std::inner_product(a, a + dim, b, 0.0);
    list.push_back({copy_similarity_ - offsets[static_cast<std::size_t>(q)], -1});
    std::stable_sort(list.begin(), list.end(),
                     [](const Candidate& x, const Candidate& y) { return x.similarity > y.similarity; });
    if (static_cast<std::int64_t>(list.size()) > settings.k) {
      outside += list.back().vector == -1;
      list.pop_back();
    }
  }

  // Stage 2: copy_similarity of every pair whose pre-training image can be read.
  NeighbourImages background;
  std::vector<ScoredPair> by_embedding, by_pixels;
  std::vector<std::vector<std::optional<double>>> verified(embedded.size());
  std::int64_t unverifiable = 0, background_pairs = 0;
  for (std::size_t q = 0; q < embedded.size(); ++q) {
    const cv::Mat query = dataset.load(embedded[q]);
    for (const Candidate& c : candidates[q]) {
      const bool positive = c.vector == -1;
      by_embedding.push_back({c.similarity, positive});
      cv::Mat other;
      if (positive) {
        other = copies.image(q);
      } else {
        ++background_pairs;
        try {
          other = background.load(index.origin(c.vector).info);
        } catch (const Error& e) {
          spdlog::warn("overlap calibrate: pre-training image not verified: {}", e.what());
        }
      }
      std::optional<double> score;
      if (!other.empty()) score = copy_similarity(query, other);
      unverifiable += !score.has_value();
      if (score) by_pixels.push_back({*score, positive});
      verified[q].push_back(score);
    }
  }

  OverlapCalibration c;
  c.model = queries.model_spec;
  c.model_hash = queries.model->content_hash();
  c.factory = manifest.factory;
  c.index_vectors = manifest.vectors;
  c.dataset = dataset.name();
  c.copies = static_cast<std::int64_t>(planted_count);
  c.queries = n;
  c.k = settings.k;
  c.seed = settings.seed;
  c.search = search_text(settings.search);
  c.target_precision = settings.target_precision;
  c.normalisation = settings.normalisation;
  c.created_by = std::string("roz ") + ROZ_VERSION;
  c.unverifiable_pairs = unverifiable;
  c.copies_outside_top_k = outside;
  const auto positives = static_cast<std::int64_t>(planted_count);
  c.embedding = sweep(by_embedding, positives, settings.target_precision);
  // Verification is calibrated only against real look-alikes: most pre-training candidates readable.
  if (2 * (background_pairs - unverifiable) >= background_pairs && background_pairs > 0) {
    c.verification = sweep(by_pixels, positives, settings.target_precision);
  } else {
    c.verification_note = std::to_string(unverifiable) + " of " + std::to_string(background_pairs) +
                          " pre-training candidates have no readable image: the embedding stage decides alone";
  }
  const bool verify =
      c.verification.threshold && (!c.embedding.threshold || c.verification.recall >= c.embedding.recall);
  c.decided_by = verify ? "verification" : "embedding";

  // What the audit's decision finds of each edit: by the stage that decides.
  std::map<std::string, std::pair<int, int>> by_edit;
  for (std::size_t q = 0; q < planted_count; ++q) {
    bool found_copy = false;
    for (std::size_t r = 0; r < candidates[q].size(); ++r) {
      if (candidates[q][r].vector != -1) continue;
      found_copy = verify ? verified[q][r] && *verified[q][r] >= *c.verification.threshold
                          : c.embedding.threshold && candidates[q][r].similarity >= *c.embedding.threshold;
    }
    by_edit[edit_kind[q]].first += found_copy;
    ++by_edit[edit_kind[q]].second;
  }
  for (const auto& [kind, counts] : by_edit)
    c.recall_by_edit[kind] = static_cast<double>(counts.first) / static_cast<double>(counts.second);

  if (settings.check != nullptr) {
    std::int64_t tp = 0, fp = 0;
    for (std::size_t q = 0; q < candidates.size(); ++q)
      for (std::size_t r = 0; r < candidates[q].size(); ++r) {
        OverlapNeighbour pair;
        pair.similarity = candidates[q][r].similarity;
        pair.verification = verified[q][r];
        if (is_copy(pair, *settings.check)) (candidates[q][r].vector == -1 ? tp : fp) += 1;
      }
    c.checked = CurvePoint{0, tp + fp > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 1,
                           static_cast<double>(tp) / static_cast<double>(positives)};
  }
  return c;
}

}  // namespace roz::core

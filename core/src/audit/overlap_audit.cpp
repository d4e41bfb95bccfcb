#include "roz/core/overlap_audit.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "audit/neighbour_images.hpp"
#include "roz/core/copy_verification.hpp"
#include "roz/core/embedder.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/results_store.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/overlap/world.hpp"

namespace roz::core {

namespace {

namespace fs = std::filesystem;

// A thumbnail at least 84 px on its longer side (small images upscaled without blurring), PNG-encoded.
std::vector<unsigned char> thumbnail(const cv::Mat& rgb) {
  if (rgb.empty()) return {};
  const int side = std::max(rgb.cols, rgb.rows);
  const double scale = side < 84 ? std::ceil(84.0 / side) : 96.0 / side;
  cv::Mat resized, bgr;
  cv::resize(rgb, resized, cv::Size(), scale, scale, scale >= 1 ? cv::INTER_NEAREST : cv::INTER_AREA);
  cv::cvtColor(resized, bgr, cv::COLOR_RGB2BGR);
  std::vector<unsigned char> png;
  cv::imencode(".png", bgr, png);
  return png;
}

constexpr std::size_t kMaxFlaggedPairs = 500;
constexpr std::size_t kUnreadableExamples = 5;

std::string threshold_text(const std::optional<double>& t) {
  return t ? fmt::format("{:.4f}", *t) : "none";
}

}  // namespace

std::string search_text(const overlap::SearchParams& params) {
  const overlap::SearchParams p = params.resolved();
  return fmt::format("nprobe={},efSearch={},k_factor={}", p.nprobe, p.ef_search, p.k_factor);
}

void check_index_model(const overlap::IndexManifest& m, const fs::path& index, Model& model, const std::string& spec) {
  const std::string hash = model.content_hash();
  if (!m.model_hash.empty() && m.model_hash != hash)
    throw DataError("overlap index '" + index.string() + "' holds embeddings of model '" + m.model + "' (hash " +
                    m.model_hash + "); --model '" + spec + "' has hash " + hash +
                    ": use the model the index was built from");
  if (model.embedding_dim() != m.dim)
    throw DataError("overlap index '" + index.string() + "': dimension " + std::to_string(m.dim) + ", model '" + spec +
                    "' embeds in " + std::to_string(model.embedding_dim()));
}

CopyDecision copy_decision(const AuditSettings& settings, const std::string& model_hash,
                           std::optional<OverlapCalibration>* calibration) {
  const fs::path file = calibration_path(settings.index);
  CopyDecision d;
  if (fs::exists(file)) {
    OverlapCalibration c = read_calibration(file);
    if (c.model_hash != model_hash)
      throw Error("overlap calibration '" + file.string() + "' was made with model '" + c.model + "' (hash " +
                  c.model_hash + "), the audit's model has hash " + model_hash +
                  ": run roz overlap calibrate again with this model");
    if (settings.normalisation && (settings.normalisation->neighbour != c.normalisation.neighbour ||
                                   settings.normalisation->beta != c.normalisation.beta))
      throw Error("overlap calibration '" + file.string() + "' measured its thresholds on scores '" +
                  c.normalisation.score_name() + "', the audit asks for '" + settings.normalisation->score_name() +
                  "': run roz overlap calibrate again with the same score normalisation");
    d.verification = c.decided_by == "verification" ? c.verification.threshold : std::nullopt;
    d.embedding = c.embedding.threshold;
    d.normalisation = c.normalisation;
    d.basis = fmt::format("calibrated on {} planted copies of '{}' (seed {}, target precision {}): {}", c.copies,
                          c.dataset, c.seed, c.target_precision, file.string());
    if (calibration) *calibration = std::move(c);
  } else if (!settings.threshold) {
    throw Error("overlap index '" + settings.index.string() +
                "' has no calibration (calibration.json): run roz overlap calibrate on it, or give --threshold");
  } else {
    d.normalisation = settings.normalisation.value_or(ScoreNormalisation{});
    d.basis = "thresholds given, not calibrated";
  }
  if (settings.threshold) d.embedding = settings.threshold;
  if (settings.verify_threshold) d.verification = settings.verify_threshold;
  if (settings.threshold || settings.verify_threshold)
    d.basis += fmt::format("; given: embedding {}, verification {}", threshold_text(d.embedding),
                           threshold_text(d.verification));
  if (d.normalisation.enabled()) d.basis += "; embedding scores: " + d.normalisation.score_name();
  return d;
}

std::string class_name(const OverlapAudit& audit, std::int64_t label) {
  return label >= 0 && label < static_cast<std::int64_t>(audit.class_names.size())
             ? audit.class_names[static_cast<std::size_t>(label)]
             : std::to_string(label);
}

bool is_copy(const OverlapNeighbour& n, const CopyDecision& decision) {
  if (n.verification && decision.verification) return *n.verification >= *decision.verification;
  return decision.embedding && n.similarity >= *decision.embedding;
}

std::string copy_status(const OverlapSample& sample, const CopyDecision& decision) {
  std::string status = "none";
  for (const OverlapNeighbour& n : sample.neighbours) {
    if (!is_copy(n, decision)) continue;
    if (n.verification && decision.verification) return "verified";
    status = "embedding";
  }
  return status;
}

OverlapCounts count_overlap(const std::vector<OverlapSample>& samples, const CopyDecision& decision) {
  OverlapCounts c;
  for (const OverlapSample& s : samples) {
    const std::string status = copy_status(s, decision);
    c.verified += status == "verified";
    c.embedding += status == "embedding";
    const bool candidate =
        decision.embedding && !s.neighbours.empty() && s.neighbours.front().similarity >= *decision.embedding;
    c.candidates += candidate;
    c.rejected += candidate && status == "none";
    c.per_class[s.label].first += status != "none";
    ++c.per_class[s.label].second;
  }
  return c;
}

AuditResult audit_overlap(PluginHost& host, const AuditSettings& settings, const AuditQueries* queries,
                          ResultsStore* store, const overlap::World* world) {
  const auto start = std::chrono::steady_clock::now();
  const int rank = world ? world->rank() : 0, ranks = world ? world->size() : 1;
  auto agree = [&](const std::string& error) {
    const std::string first = world ? world->first_error(error) : error;
    if (!first.empty()) throw Error(first);
  };

  // Every rank opens its share of the shards; rank 0 embeds the evaluation set meanwhile.
  std::unique_ptr<overlap::ShardedIndex> index;
  std::vector<float> rows;
  std::vector<datasets::SampleInfo> embedded;
  std::int64_t count = 0, dim = 0;
  std::vector<double> offsets;  // the score normalisation's, per embedded sample
  CopyDecision decision;
  std::optional<OverlapCalibration> calibration;
  std::string error;
  try {
    index = std::make_unique<overlap::ShardedIndex>(settings.index, [&](std::size_t shard) {
      return static_cast<int>(shard % static_cast<std::size_t>(ranks)) == rank;
    });
    if (queries != nullptr) {
      check_index_model(index->manifest(), settings.index, *queries->model, queries->model_spec);
      decision = copy_decision(settings, queries->model->content_hash(), &calibration);
      embed_samples(
          host, *queries->model, *queries->dataset, queries->samples, settings.batch_size,
          [&](const std::vector<datasets::SampleInfo>& batch, const float* values, std::int64_t d) {
            dim = d;
            rows.insert(rows.end(), values, values + batch.size() * static_cast<std::size_t>(d));
            embedded.insert(embedded.end(), batch.begin(), batch.end());
          },
          [](const std::string& message) { spdlog::warn("overlap audit: skipping {}", message); });
      count = static_cast<std::int64_t>(embedded.size());
      if (count == 0)
        throw DataError("overlap audit: dataset '" + queries->dataset->name() + "' has no readable image");
      offsets = background_offsets(rows.data(), count, dim, decision.normalisation);
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  agree(error);
  if (world) world->broadcast(rows, count, dim);

  overlap::Neighbours found;
  try {
    found = index->search(rows.data(), count, settings.k, settings.search);
  } catch (const std::exception& e) {
    error = e.what();
  }
  agree(error);
  if (world) found = world->merge_on_root(found);

  AuditResult result;
  if (queries == nullptr) return result;  // the other ranks are done
  OverlapAudit& audit = result.audit;
  audit.dataset = queries->dataset->name();
  audit.index = fs::absolute(overlap::index_directory(settings.index)).lexically_normal().string();
  audit.factory = index->manifest().factory;
  audit.index_vectors = index->manifest().vectors;
  audit.model = queries->model_spec;
  audit.model_hash = queries->model->content_hash();
  audit.k = settings.k;
  audit.decision = decision;
  audit.calibration = std::move(calibration);
  audit.search = search_text(settings.search);
  audit.samples = count;
  audit.class_names = queries->dataset->class_names();
  audit.ranks = ranks;

  // Stage 2: every neighbour whose image can be read, verified on the pixels.
  std::vector<OverlapSample> samples(embedded.size());
  std::map<std::int64_t, overlap::VectorOrigin> origins;
  NeighbourImages images;
  std::set<std::int64_t> unreadable;  // loaded again for the pairs, not kept: full-size images add up
  auto neighbour_image = [&](std::int64_t id) -> cv::Mat {
    if (unreadable.count(id)) return {};
    try {
      return images.load(origins.at(id).info);
    } catch (const Error& e) {
      unreadable.insert(id);
      ++audit.unreadable_neighbours;
      if (audit.unreadable_examples.size() < kUnreadableExamples) audit.unreadable_examples.push_back(e.what());
      spdlog::warn("overlap audit: not verified: {}", e.what());
      return {};
    }
  };
  for (std::size_t q = 0; q < embedded.size(); ++q) {
    OverlapSample& s = samples[q];
    s.sample_id = embedded[q].id;
    s.label = embedded[q].label;
    s.source = queries->dataset->source(embedded[q]);
    cv::Mat query;
    if (decision.verification) {
      try {
        query = queries->dataset->load(embedded[q]);
      } catch (const Error& e) {
        spdlog::warn("overlap audit: evaluation image not verified: {}", e.what());
      }
    }
    for (std::int64_t r = 0; r < settings.k; ++r) {
      const std::int64_t id = found.id_at(static_cast<std::int64_t>(q), r);
      if (id < 0) break;
      auto it = origins.find(id);
      if (it == origins.end()) it = origins.emplace(id, index->origin(id)).first;
      const overlap::RowInfo& info = it->second.info;
      OverlapNeighbour n{found.similarity_at(static_cast<std::int64_t>(q), r) - offsets[q],
                         id,
                         info.id,
                         info.source,
                         info.caption,
                         info.label,
                         std::nullopt};
      if (!query.empty()) {
        const cv::Mat other = neighbour_image(id);
        if (!other.empty()) n.verification = copy_similarity(query, other);
      }
      s.neighbours.push_back(std::move(n));
    }
  }
  result.counts = count_overlap(samples, decision);

  // The pairs shown: every flagged sample's copy (up to 500), then the closest unflagged ones.
  std::vector<std::size_t> order(samples.size());
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::string> status(samples.size());
  for (std::size_t q = 0; q < samples.size(); ++q) status[q] = copy_status(samples[q], decision);
  auto best = [&](std::size_t q) { return samples[q].neighbours.empty() ? -2.0 : samples[q].neighbours[0].similarity; };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if ((status[a] != "none") != (status[b] != "none")) return status[a] != "none";
    return best(a) > best(b);
  });
  std::vector<OverlapPair> pairs;
  std::size_t flagged_shown = 0, others_shown = 0;
  for (std::size_t i : order) {
    const OverlapSample& s = samples[i];
    if (s.neighbours.empty()) continue;
    const bool flagged = status[i] != "none";
    if (flagged ? flagged_shown >= kMaxFlaggedPairs : others_shown >= settings.pairs) continue;
    (flagged ? flagged_shown : others_shown) += 1;
    // The copy itself for a flagged sample (not necessarily the nearest), else the nearest.
    const OverlapNeighbour* shown = &s.neighbours.front();
    for (const OverlapNeighbour& n : s.neighbours)
      if (flagged && is_copy(n, decision)) {
        shown = &n;
        break;
      }
    OverlapPair pair{s.sample_id, shown->id, shown->caption, shown->similarity, shown->verification, status[i], {}, {}};
    try {
      pair.query_png = thumbnail(queries->dataset->load(embedded[i]));
    } catch (const Error& e) {
      spdlog::debug("overlap pair image of '{}': {}", s.sample_id, e.what());
    }
    if (origins.count(shown->vector)) pair.neighbour_png = thumbnail(neighbour_image(shown->vector));
    pairs.push_back(std::move(pair));
  }
  audit.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (store != nullptr) store->audits().replace(audit, samples, pairs);
  return result;
}

}  // namespace roz::core

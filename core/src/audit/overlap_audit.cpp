#include "roz/core/overlap_audit.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <numeric>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "roz/core/dataset_lookup.hpp"
#include "roz/core/embedder.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/results_store.hpp"
#include "roz/datasets/image_file.hpp"
#include "roz/datasets/manifest.hpp"
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

// Loads pre-training images for the report's pairs: from the dataset `roz embed` read them from, or
// from an image path; an empty image when neither is available (external sets: caption only).
class NeighbourImages {
 public:
  cv::Mat load(const overlap::RowInfo& row) {
    try {
      if (!row.dataset.empty()) {
        Opened& o = open(row.dataset);
        auto it = o.by_id.find(row.id);
        if (it != o.by_id.end()) return o.dataset->load(o.dataset->samples()[it->second]);
      }
      // Through the dataset readers' decoder: its format allow-list and caps hold here too.
      if (!row.source.empty() && fs::is_regular_file(row.source)) return datasets::decode_rgb(row.source);
    } catch (const Error& e) {
      spdlog::debug("overlap pair image of '{}': {}", row.id, e.what());
    }
    return {};
  }

 private:
  struct Opened {
    std::unique_ptr<datasets::Dataset> dataset;
    std::map<std::string, std::size_t> by_id;
  };
  Opened& open(const std::string& name) {
    auto it = opened_.find(name);
    if (it != opened_.end()) return it->second;
    Opened o;
    o.dataset = datasets::open_dataset(name, dataset_manifest_dirs());
    for (std::size_t i = 0; i < o.dataset->samples().size(); ++i) o.by_id[o.dataset->samples()[i].id] = i;
    return opened_.emplace(name, std::move(o)).first->second;
  }
  std::map<std::string, Opened> opened_;
};

std::string search_text(const overlap::SearchParams& params) {
  const overlap::SearchParams p = params.resolved();
  return fmt::format("nprobe={},efSearch={},k_factor={}", p.nprobe, p.ef_search, p.k_factor);
}

}  // namespace

std::string class_name(const OverlapAudit& audit, std::int64_t label) {
  return label >= 0 && label < static_cast<std::int64_t>(audit.class_names.size())
             ? audit.class_names[static_cast<std::size_t>(label)]
             : std::to_string(label);
}

std::string overlap_class(const OverlapSample& sample, const DuplicateThresholds& thresholds) {
  return sample.neighbours.empty() ? "none" : overlap_class(sample.neighbours.front().similarity, thresholds);
}

OverlapCounts count_overlap(const std::vector<OverlapSample>& samples, const DuplicateThresholds& thresholds) {
  OverlapCounts c;
  for (const OverlapSample& s : samples) {
    const std::string kind = overlap_class(s, thresholds);
    c.exact += kind == "exact";
    c.near += kind == "near";
    c.per_class[s.label].first += kind != "none";
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
  std::string error;
  try {
    index = std::make_unique<overlap::ShardedIndex>(settings.index, [&](std::size_t shard) {
      return static_cast<int>(shard % static_cast<std::size_t>(ranks)) == rank;
    });
    if (queries != nullptr) {
      const overlap::IndexManifest& m = index->manifest();
      const std::string hash = queries->model->content_hash();
      if (!m.model_hash.empty() && m.model_hash != hash)
        throw DataError("overlap index '" + settings.index.string() + "' holds embeddings of model '" + m.model +
                        "' (hash " + m.model_hash + "); --model '" + queries->model_spec + "' has hash " + hash +
                        ": audit with the model the index was built from");
      if (queries->model->embedding_dim() != m.dim)
        throw DataError("overlap index '" + settings.index.string() + "': dimension " + std::to_string(m.dim) +
                        ", model '" + queries->model_spec + "' embeds in " +
                        std::to_string(queries->model->embedding_dim()));
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
  audit.thresholds = settings.thresholds;
  audit.search = search_text(settings.search);
  audit.samples = count;
  audit.class_names = queries->dataset->class_names();
  audit.ranks = ranks;

  std::vector<OverlapSample> samples(embedded.size());
  std::map<std::int64_t, overlap::VectorOrigin> origins;
  for (std::size_t q = 0; q < embedded.size(); ++q) {
    OverlapSample& s = samples[q];
    s.sample_id = embedded[q].id;
    s.label = embedded[q].label;
    s.source = queries->dataset->source(embedded[q]);
    for (std::int64_t r = 0; r < settings.k; ++r) {
      const std::int64_t id = found.id_at(static_cast<std::int64_t>(q), r);
      if (id < 0) break;
      auto it = origins.find(id);
      if (it == origins.end()) it = origins.emplace(id, index->origin(id)).first;
      const overlap::RowInfo& info = it->second.info;
      s.neighbours.push_back(
          {found.similarity_at(static_cast<std::int64_t>(q), r), id, info.id, info.source, info.caption, info.label});
    }
  }
  const OverlapCounts counts = count_overlap(samples, settings.thresholds);
  result.exact = counts.exact;
  result.near = counts.near;

  // The closest pairs, most similar first, as thumbnails when the images can be loaded.
  std::vector<std::size_t> order(samples.size());
  std::iota(order.begin(), order.end(), 0);
  auto best = [&](std::size_t q) { return samples[q].neighbours.empty() ? -2.0 : samples[q].neighbours[0].similarity; };
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return best(a) > best(b); });
  NeighbourImages images;
  std::vector<OverlapPair> pairs;
  for (std::size_t i = 0; i < order.size() && pairs.size() < settings.pairs; ++i) {
    const OverlapSample& s = samples[order[i]];
    if (s.neighbours.empty()) break;
    OverlapPair pair;
    pair.sample_id = s.sample_id;
    pair.neighbour_id = s.neighbours[0].id;
    pair.neighbour_caption = s.neighbours[0].caption;
    pair.similarity = s.neighbours[0].similarity;
    try {
      pair.query_png = thumbnail(queries->dataset->load(embedded[order[i]]));
    } catch (const Error& e) {
      spdlog::debug("overlap pair image of '{}': {}", s.sample_id, e.what());
    }
    pair.neighbour_png = thumbnail(images.load(origins.at(s.neighbours[0].vector).info));
    pairs.push_back(std::move(pair));
  }
  audit.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (store != nullptr) store->audits().replace(audit, samples, pairs);
  return result;
}

}  // namespace roz::core

#include "roz/overlap/sharded_index.hpp"

#include <faiss/AutoTune.h>
#include <faiss/IVFlib.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexRefine.h>
#include <faiss/index_io.h>

#include <algorithm>
#include <chrono>

#include "faiss_support.hpp"
#include "roz/error.hpp"

namespace roz::overlap {

namespace fs = std::filesystem;

namespace {

void apply_search_params(faiss::Index* index, const std::string& factory, const SearchParams& params) {
  const SearchParams p = params.resolved();
  faiss::ParameterSpace space;
  if (find_ivf(index)) space.set_index_parameter(index, "nprobe", p.nprobe);
  if (factory.find("HNSW") != std::string::npos) space.set_index_parameter(index, "efSearch", p.ef_search);
  if (dynamic_cast<faiss::IndexRefine*>(index) != nullptr) space.set_index_parameter(index, "k_factor_rf", p.k_factor);
}

}  // namespace

struct ShardedIndex::Loaded {
  std::size_t shard = 0;
  std::unique_ptr<faiss::Index> index;
};

ShardedIndex::ShardedIndex(const fs::path& index, const std::function<bool(std::size_t)>& take)
    : manifest_(read_manifest(index)), dir_(index_directory(index)) {
  ids_.resize(manifest_.shards.size());
  ids_read_.resize(manifest_.shards.size(), false);
  for (std::size_t s = 0; s < manifest_.shards.size(); ++s) {
    if (take && !take(s)) continue;
    const fs::path file = dir_ / manifest_.shards[s].file;
    if (!fs::exists(file))
      throw DataError("overlap index '" + dir_.string() + "': shard file '" + file.string() + "' is missing");
    auto loaded = std::make_unique<Loaded>();
    loaded->shard = s;
    const bool ivf = manifest_.factory.find("IVF") != std::string::npos;
    loaded->index.reset(faiss_call("reading overlap index shard '" + file.string() + "'",
                                   [&] { return faiss::read_index(file.c_str(), ivf ? faiss::IO_FLAG_MMAP : 0); }));
    if (loaded->index->d != manifest_.dim || loaded->index->ntotal != manifest_.shards[s].vectors)
      throw DataError("overlap index shard '" + file.string() + "': holds " + std::to_string(loaded->index->ntotal) +
                      " vectors of dimension " + std::to_string(loaded->index->d) + ", the manifest says " +
                      std::to_string(manifest_.shards[s].vectors) + " of " + std::to_string(manifest_.dim));
    loaded_.push_back(std::move(loaded));
  }
}

ShardedIndex::~ShardedIndex() = default;

Neighbours ShardedIndex::search(const float* queries, std::int64_t n, std::int64_t k, const SearchParams& p,
                                double* faiss_seconds) const {
  Neighbours merged(n, k);
  std::vector<float> distances(static_cast<std::size_t>(n * k));
  std::vector<faiss::Index::idx_t> labels(static_cast<std::size_t>(n * k));
  for (const auto& l : loaded_) {
    faiss::Index* index = l->index.get();
    const std::string what = "searching overlap index shard '" + manifest_.shards[l->shard].file.string() + "'";
    faiss_call(what, [&] {
      apply_search_params(index, manifest_.factory, p);
      const auto start = std::chrono::steady_clock::now();
      index->search(static_cast<faiss::Index::idx_t>(n), queries, static_cast<faiss::Index::idx_t>(k), distances.data(),
                    labels.data());
      if (faiss_seconds)
        *faiss_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    });
    Neighbours part(n, k);
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels[i] >= 0) {
        part.ids[i] = manifest_.shards[l->shard].first_id + labels[i];
        part.similarity[i] = distances[i];
      }
    merged = merge_neighbours(merged, part);
  }
  return merged;
}

double ShardedIndex::native_search_seconds(const float* queries, std::int64_t n, std::int64_t k,
                                           const SearchParams& p) const {
  std::vector<float> distances(static_cast<std::size_t>(n * k));
  std::vector<faiss::Index::idx_t> labels(static_cast<std::size_t>(n * k));
  double seconds = 0;
  for (const auto& l : loaded_)
    faiss_call("searching overlap index shard '" + manifest_.shards[l->shard].file.string() + "'", [&] {
      apply_search_params(l->index.get(), manifest_.factory, p);
      const auto start = std::chrono::steady_clock::now();
      l->index->search(static_cast<faiss::Index::idx_t>(n), queries, static_cast<faiss::Index::idx_t>(k),
                       distances.data(), labels.data());
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    });
  return seconds;
}

VectorOrigin ShardedIndex::origin(std::int64_t id) const {
  auto it = std::upper_bound(manifest_.shards.begin(), manifest_.shards.end(), id,
                             [](std::int64_t v, const IndexShard& s) { return v < s.first_id; });
  if (id < 0 || it == manifest_.shards.begin() || id >= manifest_.vectors)
    throw Error("overlap index '" + dir_.string() + "': no vector " + std::to_string(id));
  const std::size_t s = static_cast<std::size_t>(it - manifest_.shards.begin()) - 1;
  const IndexShard& shard = manifest_.shards[s];
  VectorOrigin o;
  o.embeddings = shard.embeddings;
  o.row = shard.first_row + (id - shard.first_id);
  if (!ids_read_[s]) {
    if (!shard.ids.empty()) ids_[s] = read_ids(shard.ids);
    ids_read_[s] = true;
  }
  if (o.row < static_cast<std::int64_t>(ids_[s].size()))
    o.info = ids_[s][static_cast<std::size_t>(o.row)];
  else
    o.info.id = shard.embeddings.filename().string() + "#" + std::to_string(o.row);
  return o;
}

}  // namespace roz::overlap

#include "roz/overlap/index_builder.hpp"

#include <faiss/IVFlib.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexPQ.h>
#include <faiss/IndexPreTransform.h>
#include <faiss/IndexRefine.h>
#include <faiss/impl/io.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/utils/distances.h>
#include <glob.h>

#include <algorithm>
#include <memory>
#include <random>

#include "faiss_support.hpp"
#include "roz/error.hpp"
#include "roz/overlap/ids.hpp"
#include "roz/overlap/npy.hpp"

namespace roz::overlap {

namespace fs = std::filesystem;

namespace {

std::int64_t automatic_train_vectors(const faiss::Index& index, std::int64_t total) {
  if (const faiss::IndexIVF* ivf = find_ivf(&index))
    return std::min(total, std::max<std::int64_t>(10000, 64 * static_cast<std::int64_t>(ivf->nlist)));
  return std::min<std::int64_t>(total, 65536);
}

// The factory turns on polysemous training for PQ codes ("PQ64" unless written "PQ64np"). It
// reorders the codes for Hamming pre-filtering, which this search never uses, and it dominates the
// training time (minutes on these machines), so it is off.
void skip_polysemous_training(faiss::Index* index) {
  if (auto* refine = dynamic_cast<faiss::IndexRefine*>(index)) index = refine->base_index;
  if (auto* transform = dynamic_cast<faiss::IndexPreTransform*>(index)) index = transform->index;
  if (auto* pq = dynamic_cast<faiss::IndexPQ*>(index)) pq->do_polysemous_training = false;
  if (auto* ivfpq = dynamic_cast<faiss::IndexIVFPQ*>(index)) ivfpq->do_polysemous_training = false;
}

// A seeded uniform sample of `count` rows over all files, read row by row in file order.
std::vector<float> training_sample(const std::vector<fs::path>& files, const std::vector<std::int64_t>& rows,
                                   std::int64_t count, std::int64_t dim, std::uint64_t seed) {
  std::int64_t total = 0;
  for (std::int64_t r : rows) total += r;
  std::vector<std::int64_t> picked(static_cast<std::size_t>(total));
  for (std::int64_t i = 0; i < total; ++i) picked[static_cast<std::size_t>(i)] = i;
  std::mt19937_64 rng(seed);
  for (std::int64_t i = 0; i < count; ++i) {  // partial Fisher-Yates: the first `count` are the sample
    std::uniform_int_distribution<std::int64_t> pick(i, total - 1);
    std::swap(picked[static_cast<std::size_t>(i)], picked[static_cast<std::size_t>(pick(rng))]);
  }
  picked.resize(static_cast<std::size_t>(count));
  std::sort(picked.begin(), picked.end());
  std::vector<float> sample(static_cast<std::size_t>(count * dim));
  std::size_t next = 0;
  std::int64_t offset = 0;
  for (std::size_t f = 0; f < files.size(); ++f) {
    NpyReader reader(files[f]);
    for (; next < picked.size() && picked[next] < offset + rows[f]; ++next)
      reader.read(picked[next] - offset, 1, sample.data() + next * static_cast<std::size_t>(dim));
    offset += rows[f];
  }
  faiss::fvec_renorm_L2(static_cast<std::size_t>(dim), static_cast<std::size_t>(count), sample.data());
  return sample;
}

}  // namespace

std::vector<fs::path> glob_embeddings(const std::string& pattern) {
  glob_t matches{};
  const int rc = glob(pattern.c_str(), 0, nullptr, &matches);
  std::vector<fs::path> out;
  if (rc == 0)
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) out.emplace_back(matches.gl_pathv[i]);
  globfree(&matches);
  std::sort(out.begin(), out.end());
  if (out.empty()) throw DataError("--embeddings '" + pattern + "': no file matches");
  return out;
}

IndexManifest build_index(const BuildOptions& o) {
  if (o.embeddings.empty()) throw DataError("overlap build: no embeddings file given");
  if (fs::exists(o.out / kManifestFile))
    throw Error("overlap build: '" + o.out.string() + "' already holds an index; choose another --out");
  IndexManifest manifest;
  manifest.factory = o.factory;
  manifest.seed = o.seed;
  manifest.model = o.model;
  manifest.model_hash = o.model_hash;
  manifest.created_by = o.created_by;

  // Check every file's header before any work: a wrong dimension fails naming the file.
  std::vector<std::int64_t> rows;
  for (const fs::path& file : o.embeddings) {
    NpyReader reader(file);
    if (manifest.dim == 0) manifest.dim = reader.cols();
    if (reader.cols() != manifest.dim)
      throw DataError("npy file '" + file.string() + "': dimension " + std::to_string(reader.cols()) + ", but '" +
                      o.embeddings.front().string() + "' has " + std::to_string(manifest.dim));
    rows.push_back(reader.rows());
    manifest.vectors += reader.rows();
    const EmbeddingModel made_by = read_embedding_model(file);
    if (made_by.model_hash.empty()) continue;
    if (manifest.model_hash.empty() && o.model_hash.empty()) {
      manifest.model = made_by.model;
      manifest.model_hash = made_by.model_hash;
    }
    if (made_by.model_hash != manifest.model_hash)
      throw DataError("npy file '" + file.string() + "': embedded by model '" + made_by.model + "' (hash " +
                      made_by.model_hash + "), not '" + manifest.model + "' (hash " + manifest.model_hash +
                      "): one index holds one embedding space");
  }
  if (manifest.vectors == 0) throw DataError("overlap build: the embeddings files hold no vectors");

  std::unique_ptr<faiss::Index> empty(faiss_call("index factory string '" + o.factory + "'", [&] {
    return faiss::index_factory(static_cast<int>(manifest.dim), o.factory.c_str(), faiss::METRIC_INNER_PRODUCT);
  }));
  skip_polysemous_training(empty.get());
  if (!empty->is_trained) {
    manifest.train_vectors = o.train_vectors > 0 ? std::min(o.train_vectors, manifest.vectors)
                                                 : automatic_train_vectors(*empty, manifest.vectors);
    const std::vector<float> sample = training_sample(o.embeddings, rows, manifest.train_vectors, manifest.dim, o.seed);
    faiss_call("training '" + o.factory + "'",
               [&] { empty->train(static_cast<faiss::Index::idx_t>(manifest.train_vectors), sample.data()); });
  }

  faiss::VectorIOWriter trained;
  faiss_call("serialising the trained '" + o.factory + "'", [&] { faiss::write_index(empty.get(), &trained); });
  empty.reset();

  fs::create_directories(o.out);
  std::vector<float> batch;
  std::int64_t done = 0;
  for (std::size_t f = 0; f < o.embeddings.size(); ++f) {
    NpyReader reader(o.embeddings[f]);
    read_ids_for(o.embeddings[f], rows[f]);  // refuses an ids file of another length
    const fs::path ids = find_ids_file(o.embeddings[f]);
    const std::int64_t per_shard = o.shard_vectors > 0 ? o.shard_vectors : std::max<std::int64_t>(rows[f], 1);
    for (std::int64_t first = 0; first < rows[f]; first += per_shard) {
      IndexShard shard;
      shard.vectors = std::min(per_shard, rows[f] - first);
      shard.first_id = done;
      shard.embeddings = fs::absolute(o.embeddings[f]);
      shard.first_row = first;
      shard.ids = ids.empty() ? fs::path() : fs::absolute(ids);
      char name[32];
      std::snprintf(name, sizeof name, "shard-%05zu.faiss", manifest.shards.size());
      shard.file = name;
      std::unique_ptr<faiss::Index> index(faiss_call("copying the trained '" + o.factory + "'", [&] {
        faiss::VectorIOReader copy;  // a serialised copy: FAISS 1.7.3 cannot clone every index type (RFlat)
        copy.data = trained.data;
        return faiss::read_index(&copy);
      }));
      for (std::int64_t at = 0; at < shard.vectors; at += o.batch_rows) {
        const std::int64_t n = std::min(o.batch_rows, shard.vectors - at);
        batch.resize(static_cast<std::size_t>(n * manifest.dim));
        reader.read(first + at, n, batch.data());
        faiss::fvec_renorm_L2(static_cast<std::size_t>(manifest.dim), static_cast<std::size_t>(n), batch.data());
        faiss_call("adding '" + o.embeddings[f].string() + "' to '" + o.factory + "'",
                   [&] { index->add(static_cast<faiss::Index::idx_t>(n), batch.data()); });
        done += n;
        if (o.progress) o.progress(done, manifest.vectors);
      }
      const fs::path tmp = o.out / (shard.file.string() + ".tmp");
      faiss_call("writing '" + tmp.string() + "'", [&] { faiss::write_index(index.get(), tmp.c_str()); });
      fs::rename(tmp, o.out / shard.file);
      manifest.shards.push_back(std::move(shard));
    }
  }
  write_manifest(manifest, o.out);
  return manifest;
}

}  // namespace roz::overlap

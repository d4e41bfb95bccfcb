// The directory an overlap index is: FAISS index shards plus manifest.json, which says how they
// were built (factory string, dimension, model) and which embedding rows each one holds, so a
// global vector id maps back to (embeddings file, row, ids file) and the shards can be searched by
// one process or split over MPI ranks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace roz::overlap {

struct IndexShard {
  std::filesystem::path file;  // relative to the index directory
  std::int64_t vectors = 0;
  std::int64_t first_id = 0;         // global id of its first vector
  std::filesystem::path embeddings;  // the .npy it was filled from
  std::int64_t first_row = 0;        // of that file
  std::filesystem::path ids;         // that file's ids file; empty when it has none
};

struct IndexManifest {
  std::string factory;                   // the FAISS index_factory string
  std::string metric = "inner_product";  // over L2-normalised vectors: the similarity is the cosine
  std::int64_t dim = 0;
  std::int64_t vectors = 0;
  std::int64_t train_vectors = 0;  // the training sample's size (0: the index needs no training)
  std::uint64_t seed = 0;          // of the training sample
  std::string model, model_hash;   // the model the embeddings came from, when known
  std::string created_by;
  std::vector<IndexShard> shards;
};

inline const char* const kManifestFile = "manifest.json";

// Reads DIR/manifest.json (or a manifest file itself). Throws DataError naming the file and field.
IndexManifest read_manifest(const std::filesystem::path& index);
void write_manifest(const IndexManifest& manifest, const std::filesystem::path& dir);
// The directory of an index given as DIR or DIR/manifest.json.
std::filesystem::path index_directory(const std::filesystem::path& index);

}  // namespace roz::overlap

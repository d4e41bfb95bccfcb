// What each row of an embedding shard is: the ids file beside it. `roz embed` writes JSON lines
// (row, id, source, label, dataset); LAION's parquet metadata converts to CSV or JSON lines with at
// least a `key` or `id` column (docs/overlap.md shows the one-line conversion), `url` and `caption`
// being kept when present.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace roz::overlap {

struct RowInfo {
  std::string id;       // the row's stable id: a dataset sample id, or LAION's key
  std::string source;   // where the item comes from: an image path, FILE#INDEX, or a URL
  std::string dataset;  // the dataset `roz embed` read it from (empty for external sets)
  std::string caption;
  std::optional<std::int64_t> label;
};

// Reads FILE.ids.jsonl / FILE.jsonl (one JSON object per row) or FILE.csv (header row, RFC 4180
// quoting). Throws DataError naming the file and line for a malformed line or a missing id.
std::vector<RowInfo> read_ids(const std::filesystem::path& file);

// The ids file of an embedding shard: FILE.ids.jsonl or FILE.ids.csv beside FILE.npy, or, in the
// LAION layout (img_emb/img_emb_N.npy), metadata/metadata_N.{jsonl,csv}. Empty when none exists.
std::filesystem::path find_ids_file(const std::filesystem::path& npy);

// The ids of an embedding shard with `rows` rows: its ids file (find_ids_file) read and checked to
// hold one row per embedding, or none when it has no ids file. DataError naming both files when
// the counts differ (overlap build and overlap dedup both refuse such a pair).
std::vector<RowInfo> read_ids_for(const std::filesystem::path& npy, std::int64_t rows);

// FILE.meta.json beside FILE.npy: the model `roz embed` used ({"model", "model_hash", ...}).
std::filesystem::path embedding_meta_path(const std::filesystem::path& npy);
struct EmbeddingModel {
  std::string model, model_hash;
};
// Empty fields when the file has no meta file (external embeddings such as LAION's).
EmbeddingModel read_embedding_model(const std::filesystem::path& npy);

}  // namespace roz::overlap

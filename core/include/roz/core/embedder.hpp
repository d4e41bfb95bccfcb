// `roz embed`: L2-normalised image embeddings of a dataset as a float32 .npy, plus an ids file
// (one JSON object per line: row, id, source, label, dataset) and FILE.meta.json (model, hash),
// the input format of the overlap index.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "roz/datasets/dataset.hpp"
#include "roz/spec.hpp"

namespace roz {
class Model;
}

namespace roz::core {

class PluginHost;

// The L2-normalised image embeddings of `samples`, batch by batch: visit(the batch's readable
// samples, their rows (n x dim, row-major), dim). An unreadable image goes to `unreadable` (its
// message) and is left out; cancellation stops between batches.
using EmbeddingVisitor =
    std::function<void(const std::vector<datasets::SampleInfo>&, const float* rows, std::int64_t dim)>;
void embed_samples(PluginHost& host, Model& model, const datasets::Dataset& dataset,
                   const std::vector<datasets::SampleInfo>& samples, std::int64_t batch_size,
                   const EmbeddingVisitor& visit, const std::function<void(const std::string&)>& unreadable);

struct EmbedOptions {
  Spec model;
  std::string dataset;        // directory, manifest file or manifest name
  std::filesystem::path out;  // FILE.npy; the ids go to FILE.ids.jsonl
  // Optional ids file (JSONL/CSV with id and caption per sample): the captions' text embeddings go
  // to FILE.text.npy, row for row with the images.
  std::filesystem::path captions;
  std::size_t limit = 0;  // 0: all
  std::int64_t batch_size = 64;
};

struct EmbedReport {
  std::string model_spec;
  std::string model_hash;
  std::filesystem::path embeddings;
  std::filesystem::path ids;
  std::filesystem::path text_embeddings;  // empty without captions
  std::int64_t rows = 0;
  std::int64_t dim = 0;
  std::vector<std::string> unreadable;
  double seconds = 0;
};

EmbedReport embed_dataset(PluginHost& host, const EmbedOptions& options);

// FILE.npy -> FILE.ids.jsonl
std::filesystem::path ids_path_for(const std::filesystem::path& npy);
// FILE.npy -> FILE.text.npy
std::filesystem::path text_path_for(const std::filesystem::path& npy);

}  // namespace roz::core

#include "roz/core/embedder.hpp"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "roz/core/batch_loader.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/image_pipeline.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/overlap/ids.hpp"
#include "roz/overlap/npy.hpp"

namespace roz::core {

std::filesystem::path ids_path_for(const std::filesystem::path& npy) {
  std::filesystem::path ids = npy;
  ids.replace_extension(".ids.jsonl");
  return ids;
}

void embed_samples(PluginHost& host, Model& model, const datasets::Dataset& dataset,
                   const std::vector<datasets::SampleInfo>& samples, std::int64_t batch_size,
                   const EmbeddingVisitor& visit, const std::function<void(const std::string&)>& unreadable) {
  std::mutex mutex;
  BatchLoader batches(dataset, samples, static_cast<int>(model.preprocessing().resolution),
                      static_cast<std::size_t>(batch_size), host.threads(), [&](const std::string& message) {
                        std::lock_guard lock(mutex);
                        unreadable(message);
                      });
  for (LoadedBatch batch; batches.next(batch);) {
    if (batch.images.empty()) continue;
    if (host.cancellation().cancelled()) throw Error("embedding interrupted");
    at::Tensor embeddings;
    {
      at::NoGradGuard no_grad;
      embeddings = model.encode_image(to_tensor(batch.images)).to(at::kFloat);
      embeddings = (embeddings / embeddings.norm(2, 1, true).clamp_min(1e-12)).contiguous();
    }
    visit(batch.samples, embeddings.data_ptr<float>(), embeddings.size(1));
  }
}

EmbedReport embed_dataset(PluginHost& host, const EmbedOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<datasets::Dataset> dataset = datasets::open_dataset(options.dataset, dataset_manifest_dirs());
  ResolvedPlugin plugin = host.resolve(PluginKind::model, options.model);
  std::shared_ptr<Model> model = host.create_model(plugin);
  std::vector<datasets::SampleInfo> samples = dataset->samples();
  if (options.limit > 0 && samples.size() > options.limit) samples.resize(options.limit);

  EmbedReport report;
  report.model_spec = plugin.spec;
  report.model_hash = model->content_hash();
  report.embeddings = options.out;
  report.ids = ids_path_for(options.out);
  std::unique_ptr<overlap::NpyWriter> writer;
  if (options.out.has_parent_path()) std::filesystem::create_directories(options.out.parent_path());
  std::ofstream ids(report.ids);
  if (!ids) throw DataError("cannot write ids file '" + report.ids.string() + "'");
  embed_samples(
      host, *model, *dataset, samples, options.batch_size,
      [&](const std::vector<datasets::SampleInfo>& batch, const float* rows, std::int64_t dim) {
        if (!writer) {
          report.dim = dim;
          writer = std::make_unique<overlap::NpyWriter>(options.out, dim);
        }
        for (std::size_t i = 0; i < batch.size(); ++i) {
          const datasets::SampleInfo& s = batch[i];
          // `dataset` as given, so the report can reopen it and show the image.
          ids << nlohmann::json{{"row", writer->rows() + static_cast<std::int64_t>(i)},
                                {"id", s.id},
                                {"source", dataset->source(s)},
                                {"label", s.label},
                                {"dataset", options.dataset}}
                     .dump()
              << "\n";
        }
        writer->append(rows, static_cast<std::int64_t>(batch.size()));
      },
      [&](const std::string& message) {
        spdlog::warn("skipping {}", message);
        report.unreadable.push_back(message);
      });
  if (!writer) throw DataError("dataset '" + options.dataset + "': no readable image to embed");
  writer->finish();
  if (!ids.flush()) throw DataError("write error on '" + report.ids.string() + "'");
  report.rows = writer->rows();
  // Which model made them: `roz overlap build` records it, and the audit refuses another model.
  std::ofstream meta(overlap::embedding_meta_path(options.out));
  meta << nlohmann::json{{"model", report.model_spec},
                         {"model_hash", report.model_hash},
                         {"dataset", options.dataset},
                         {"rows", report.rows},
                         {"dim", report.dim}}
              .dump(2)
       << "\n";
  if (!meta) throw DataError("cannot write '" + overlap::embedding_meta_path(options.out).string() + "'");
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace roz::core

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
#include "roz/overlap/npy.hpp"

namespace roz::core {

std::filesystem::path ids_path_for(const std::filesystem::path& npy) {
  std::filesystem::path ids = npy;
  ids.replace_extension(".ids.jsonl");
  return ids;
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
  std::mutex mutex;
  BatchLoader batches(*dataset, samples, static_cast<int>(model->preprocessing().resolution),
                      static_cast<std::size_t>(options.batch_size), host.threads(), [&](const std::string& message) {
                        std::lock_guard lock(mutex);
                        spdlog::warn("skipping {}", message);
                        report.unreadable.push_back(message);
                      });

  std::unique_ptr<overlap::NpyWriter> writer;
  std::ofstream ids(report.ids);
  if (!ids) throw DataError("cannot write ids file '" + report.ids.string() + "'");
  for (LoadedBatch batch; batches.next(batch);) {
    if (batch.images.empty()) continue;
    if (host.cancellation().cancelled()) throw Error("embedding interrupted");
    at::Tensor embeddings;
    {
      at::NoGradGuard no_grad;
      embeddings = model->encode_image(to_tensor(batch.images)).to(at::kFloat);
      embeddings = (embeddings / embeddings.norm(2, 1, true).clamp_min(1e-12)).contiguous();
    }
    if (!writer) {
      report.dim = embeddings.size(1);
      writer = std::make_unique<overlap::NpyWriter>(options.out, report.dim);
    }
    for (std::size_t i = 0; i < batch.samples.size(); ++i) {
      const datasets::SampleInfo& s = batch.samples[i];
      ids << nlohmann::json{{"row", writer->rows() + static_cast<std::int64_t>(i)},
                            {"id", s.id},
                            {"source", dataset->source(s)},
                            {"label", s.label}}
                 .dump()
          << "\n";
    }
    writer->append(embeddings.data_ptr<float>(), embeddings.size(0));
  }
  if (!writer) throw DataError("dataset '" + options.dataset + "': no readable image to embed");
  writer->finish();
  if (!ids.flush()) throw DataError("write error on '" + report.ids.string() + "'");
  report.rows = writer->rows();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace roz::core

#include "roz/core/embedder.hpp"

#include <c10/core/GradMode.h>
#include <ATen/ATen.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "pipeline/normalise_rows.hpp"
#include "roz/core/batch_loader.hpp"
#include "roz/core/dataset_lookup.hpp"
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

namespace {

// FILE.meta.json beside FILE.npy: which model made them (`roz overlap build` records the model, and
// the audit refuses another one).
void write_meta(const std::filesystem::path& npy, const EmbedReport& r, const std::string& dataset,
                const std::string& kind) {
  const std::filesystem::path meta_file = overlap::embedding_meta_path(npy);
  std::ofstream meta(meta_file);
  meta << nlohmann::json{{"model", r.model_spec}, {"model_hash", r.model_hash},
                         {"dataset", dataset},    {"embeddings", kind},
                         {"rows", r.rows},        {"dim", r.dim}}
              .dump(2)
       << "\n";
  if (!meta) throw DataError("cannot write '" + meta_file.string() + "'");
}

}  // namespace

std::filesystem::path text_path_for(const std::filesystem::path& npy) {
  std::filesystem::path text = npy;
  text.replace_extension(".text.npy");
  return text;
}

void embed_samples(PluginHost& host, Model& model, const datasets::Dataset& dataset,
                   const std::vector<datasets::SampleInfo>& samples, std::int64_t batch_size,
                   const EmbeddingVisitor& visit, const std::function<void(const std::string&)>& unreadable) {
  std::mutex mutex;
  BatchLoader batches(
      dataset, samples, model.preprocessing(), static_cast<std::size_t>(batch_size), host.threads(),
      [&](const std::string& message) {
        std::lock_guard lock(mutex);
        unreadable(message);
      },
      BatchStages{{}, host.device()});
  for (LoadedBatch batch; batches.next(batch);) {
    if (batch.images.empty()) continue;
    if (host.cancellation().cancelled()) throw Error("embedding interrupted");
    at::Tensor embeddings;
    {
      c10::NoGradGuard no_grad;
      embeddings = normalise_rows(model.encode_image(batch.tensor.take()).to(at::kFloat)).to(at::kCPU).contiguous();
    }
    visit(batch.samples, embeddings.data_ptr<float>(), embeddings.size(1));
  }
}

namespace {

// Caption embeddings, row for row with the images: an index over them audits text overlap.
void embed_captions(Model& model, const std::vector<const std::string*>& captions, const EmbedOptions& options,
                    EmbedReport& report) {
  report.text_embeddings = text_path_for(options.out);
  overlap::NpyWriter text(report.text_embeddings, report.dim);
  const std::size_t batch = static_cast<std::size_t>(options.batch_size);
  for (std::size_t first = 0; first < captions.size(); first += batch) {
    std::vector<std::string> texts;
    for (std::size_t i = first; i < std::min(captions.size(), first + batch); ++i) texts.push_back(*captions[i]);
    c10::NoGradGuard no_grad;
    at::Tensor e = normalise_rows(model.encode_text(model.tokenize(texts)).to(at::kFloat)).to(at::kCPU).contiguous();
    text.append(e.data_ptr<float>(), e.size(0));
  }
  text.finish();
  std::filesystem::copy_file(report.ids, ids_path_for(report.text_embeddings),
                             std::filesystem::copy_options::overwrite_existing);
  write_meta(report.text_embeddings, report, options.dataset, "text");
}

}  // namespace

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
  if (options.out.has_parent_path()) std::filesystem::create_directories(options.out.parent_path());
  std::map<std::string, std::string> captions;  // sample id -> caption
  if (!options.captions.empty())
    for (const overlap::RowInfo& row : overlap::read_ids(options.captions)) captions[row.id] = row.caption;

  // FILE.ids.jsonl, one object per row, written as the rows come: 60,000 rows held until the end
  // kept small allocations alive in the holes each freed batch leaves in the heap, and `roz embed`
  // of Fashion-MNIST's training set grew to 6.3 GB. They go to FILE.ids.jsonl.part, renamed once
  // the embeddings are complete: a failure midway leaves no ids file beside no .npy (NpyWriter
  // removes its unfinished file).
  std::filesystem::path ids_part = report.ids;
  ids_part += ".part";
  struct RemoveOnExit {
    std::filesystem::path path;
    ~RemoveOnExit() {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  } remove_part{ids_part};
  std::ofstream ids(ids_part);
  if (!ids) throw DataError("cannot write ids file '" + ids_part.string() + "'");
  std::unique_ptr<overlap::NpyWriter> writer;
  std::vector<const std::string*> row_captions;  // into `captions`, row for row
  std::int64_t rows = 0;
  embed_samples(
      host, *model, *dataset, samples, options.batch_size,
      [&](const std::vector<datasets::SampleInfo>& batch, const float* embeddings, std::int64_t dim) {
        if (!writer) {
          report.dim = dim;
          writer = std::make_unique<overlap::NpyWriter>(options.out, dim);
        }
        for (const datasets::SampleInfo& s : batch) {
          // `dataset` as given, so the report can reopen it and show the image.
          nlohmann::json row{{"row", rows++},
                             {"id", s.id},
                             {"source", dataset->source(s)},
                             {"label", s.label},
                             {"dataset", options.dataset}};
          if (!captions.empty()) {
            auto it = captions.find(s.id);
            if (it == captions.end())
              throw DataError("captions file '" + options.captions.string() + "' has no caption for '" + s.id + "'");
            row["caption"] = it->second;
            row_captions.push_back(&it->second);
          }
          ids << row.dump() << "\n";
        }
        writer->append(embeddings, static_cast<std::int64_t>(batch.size()));
      },
      [&](const std::string& message) {
        spdlog::warn("skipping {}", message);
        report.unreadable.push_back(message);
      });
  if (!writer) throw DataError("dataset '" + options.dataset + "': no readable image to embed");
  writer->finish();
  ids.close();
  if (!ids) throw DataError("cannot write ids file '" + ids_part.string() + "'");
  std::filesystem::rename(ids_part, report.ids);
  report.rows = writer->rows();
  write_meta(options.out, report, options.dataset, "image");

  if (!captions.empty()) embed_captions(*model, row_captions, options, report);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace roz::core

// roz overlap build | audit | dedup: the data-overlap / contamination audit (docs/overlap.md).
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "roz/core/csv.hpp"
#include "roz/core/dataset_lookup.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/overlap_audit.hpp"
#include "roz/core/overlap_calibration.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/progress.hpp"
#include "roz/core/registry.hpp"
#include "roz/core/results_store.hpp"
#include "roz/datasets/manifest.hpp"
#include "roz/error.hpp"
#include "roz/model.hpp"
#include "roz/overlap/duplicates.hpp"
#include "roz/overlap/index_builder.hpp"
#include "roz/overlap/world.hpp"

namespace roz::cli {

namespace {

namespace fs = std::filesystem;
using core::csv_field;

void add_threshold_options(CLI::App* cmd, overlap::DuplicateThresholds& t) {
  cmd->add_option("--near,--threshold", t.near, "cosine at or above which a neighbour is a near duplicate")
      ->capture_default_str();
  cmd->add_option("--exact", t.exact, "cosine at or above which a neighbour is an exact duplicate")
      ->capture_default_str();
}

void add_search_options(CLI::App* cmd, overlap::SearchParams& p) {
  cmd->add_option("--nprobe", p.nprobe, "IVF lists visited (default " + std::to_string(overlap::kDefaultNprobe) + ")");
  cmd->add_option("--ef-search", p.ef_search,
                  "HNSW search list (default " + std::to_string(overlap::kDefaultEfSearch) + ")");
  cmd->add_option(
      "--k-factor", p.k_factor,
      "re-ranked candidates per neighbour, RFlat (default " + std::to_string(overlap::kDefaultKFactor) + ")");
}

// SSCD's score normalisation of the embedding stage (core/score_normalisation.hpp).
struct ScoreNormOptions {
  std::optional<std::int64_t> neighbour;
  double beta = 1.0;
  std::optional<core::ScoreNormalisation> given() const {
    if (!neighbour) return std::nullopt;
    return core::ScoreNormalisation{*neighbour, beta};
  }
};

void add_score_norm_options(CLI::App* cmd, ScoreNormOptions& o, const std::string& when) {
  cmd->add_option("--score-norm", o.neighbour,
                  "embedding scores: cosine minus beta x the cosine of the image's N-th nearest other evaluation "
                  "image (SSCD's normalisation; 0: the raw cosine" +
                      when + ")")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--score-norm-beta", o.beta, "beta of --score-norm")->capture_default_str();
}

void check_thresholds(const overlap::DuplicateThresholds& t) {
  if (!t.valid())
    throw Error("--near " + std::to_string(t.near) + " / --exact " + std::to_string(t.exact) +
                ": expected -1 < near <= exact <= 1");
}

void add_build(CLI::App& overlap_app, std::vector<Command>& commands) {
  auto o = std::make_shared<overlap::BuildOptions>();
  auto pattern = std::make_shared<std::string>();
  CLI::App* cmd = overlap_app.add_subcommand("build", "build a FAISS index over embedding shards (.npy)");
  cmd->add_option("--embeddings", *pattern, "a .npy file or a glob of shards (quote it), e.g. 'img_emb/*.npy'")
      ->required();
  cmd->add_option("--index", o->factory,
                  "FAISS index_factory string: Flat, IVF4096,PQ64, IVF4096,PQ64,RFlat, HNSW32, OPQ64,IVF4096,PQ64, ...")
      ->capture_default_str();
  cmd->add_option("--out", o->out, "new index directory (shards + manifest.json)")->required();
  cmd->add_option("--train-size", o->train_vectors, "training sample (0: 64 per IVF list, >= 10,000)");
  cmd->add_option("--shard-vectors", o->shard_vectors, "vectors per index shard (0: one shard per file)");
  cmd->add_option("--batch-rows", o->batch_rows, "rows read and added at a time")->check(CLI::PositiveNumber);
  cmd->add_option("--seed", o->seed, "seed of the training sample")->capture_default_str();
  commands.push_back({cmd, [o, pattern] {
                        o->embeddings = overlap::glob_embeddings(*pattern);
                        o->created_by = std::string("roz ") + ROZ_VERSION;
                        core::Progress progress(isatty(STDERR_FILENO) != 0, "vectors", "vec/s");
                        bool started = false;
                        o->progress = [&](std::int64_t done, std::int64_t total) {
                          if (!started) progress.start("adding vectors", static_cast<std::size_t>(total), 0);
                          started = true;
                          progress.update(static_cast<std::size_t>(done));
                        };
                        const auto start = std::chrono::steady_clock::now();
                        const overlap::IndexManifest m = overlap::build_index(*o);
                        progress.finish();
                        std::uintmax_t bytes = 0;
                        for (const overlap::IndexShard& s : m.shards) bytes += fs::file_size(o->out / s.file);
                        spdlog::info(
                            "{}: {} vectors of dimension {} in {} shard(s), '{}', trained on {}, {:.1f} MB "
                            "({:.1f} bytes/vector), {:.1f} s",
                            o->out.string(), m.vectors, m.dim, m.shards.size(), m.factory, m.train_vectors, bytes / 1e6,
                            static_cast<double>(bytes) / static_cast<double>(m.vectors),
                            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
                        return 0;
                      }});
}

// The evaluation images an audit or a calibration queries with, as `roz run` picks them.
struct QueryOptions {
  std::string model, dataset;
  std::size_t per_class = 0, limit = 0;
};

void add_query_options(CLI::App* cmd, QueryOptions& q) {
  cmd->add_option("--model", q.model, "model spec: the one the index embeddings came from")->required();
  cmd->add_option("--dataset", q.dataset, "ImageFolder root, manifest file or manifest name")->required();
  cmd->add_option("--per-class", q.per_class, "the first N images of every class in file order (as roz run)");
  cmd->add_option("--limit", q.limit, "at most N images, the first in file order");
}

// Opens the dataset (kept in `dataset`) and the model; the queries point into the dataset.
core::AuditQueries open_queries(core::PluginHost& host, const QueryOptions& q,
                                std::unique_ptr<datasets::Dataset>& dataset) {
  core::AuditQueries queries;
  dataset = datasets::open_dataset(q.dataset, core::dataset_manifest_dirs());
  queries.dataset = dataset.get();
  queries.samples = dataset->samples();
  if (q.per_class > 0) queries.samples = datasets::split_per_class(queries.samples, q.per_class).first;
  if (q.limit > 0 && queries.samples.size() > q.limit) queries.samples.resize(q.limit);
  const core::ResolvedPlugin model = host.resolve(PluginKind::model, parse_spec(q.model));
  queries.model_spec = model.spec;
  queries.model = host.create_model(model);
  return queries;
}

void add_calibrate(CLI::App& overlap_app, const GlobalOptions& global, std::vector<Command>& commands) {
  struct Args {
    core::CalibrationSettings settings;
    QueryOptions queries;
    ScoreNormOptions score_norm;
    bool check = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = overlap_app.add_subcommand(
      "calibrate",
      "plant edited copies of evaluation images among an index's vectors and choose the audit's "
      "thresholds for a target precision (written to INDEX/calibration.json)");
  cmd->add_option("--index", a->settings.index, "index directory (roz overlap build)")->required();
  add_query_options(cmd, a->queries);
  cmd->add_option("--copies", a->settings.copies, "evaluation images given a planted copy (as many more get none)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", a->settings.seed, "seed of the sample and of the edits")->capture_default_str();
  cmd->add_option("--target-precision", a->settings.target_precision, "precision the thresholds must reach")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--k", a->settings.k, "neighbours per image (as the audit)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_search_options(cmd, a->settings.search);
  add_score_norm_options(cmd, a->score_norm, ", the default");
  cmd->add_flag("--check", a->check,
                "measure the index's calibrated thresholds on this seed's copies instead of writing new ones");
  commands.push_back(
      {cmd, [&global, a] {
         core::Registry registry = core::Registry::discover(search_path(global));
         core::PluginHost host(registry, 0, global.threads, global.device_or_cpu(), global.precision_or_fp32());
         std::unique_ptr<datasets::Dataset> dataset;
         const core::AuditQueries queries = open_queries(host, a->queries, dataset);
         const fs::path file = core::calibration_path(a->settings.index);
         a->settings.normalisation = a->score_norm.given().value_or(core::ScoreNormalisation{});
         core::CopyDecision calibrated;
         if (a->check) {
           core::AuditSettings audit;
           audit.index = a->settings.index;
           calibrated = core::copy_decision(audit, queries.model->content_hash());
           a->settings.check = &calibrated;
         }
         const core::OverlapCalibration c = core::calibrate_overlap(host, a->settings, queries);
         if (c.checked) {
           spdlog::info("{}: on seed {} ({} planted copies of '{}'): precision {:.4f}, recall {:.4f}", calibrated.basis,
                        c.seed, c.copies, c.dataset, c.checked->precision, c.checked->recall);
           return 0;
         }
         core::write_calibration(file, c);
         auto stage = [](const core::StageCalibration& s) {
           return s.threshold ? fmt::format("threshold {:.4f}: precision {:.4f}, recall {:.4f}", *s.threshold,
                                            s.precision, s.recall)
                              : std::string("no threshold reaches the target precision");
         };
         spdlog::info("{} planted copies of '{}' among {} vectors, {} queries, seed {}", c.copies, c.dataset,
                      c.index_vectors, c.queries, c.seed);
         spdlog::info("  embedding stage: {}", stage(c.embedding));
         spdlog::info("  verification: {}", c.verification_note.empty() ? stage(c.verification) : c.verification_note);
         spdlog::info("  embedding scores: {}; readable pairs decided by {}", c.normalisation.score_name(),
                      c.decided_by);
         for (const auto& [kind, recall] : c.recall_by_edit)
           spdlog::info("  {}: {:.1f}% of its copies found", kind, 100 * recall);
         if (c.copies_outside_top_k > 0)
           spdlog::info("  {} copies ranked below the k nearest (raise --k)", c.copies_outside_top_k);
         std::cout << "calibration: " << file.string() << "\n";
         return 0;
       }});
}

void add_audit(CLI::App& overlap_app, const GlobalOptions& global, std::vector<Command>& commands) {
  struct Args {
    core::AuditSettings settings;
    QueryOptions queries;
    ScoreNormOptions score_norm;
    std::string out;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = overlap_app.add_subcommand(
      "audit", "find an evaluation set's nearest pre-training neighbours (mpirun -n N splits the index shards)");
  cmd->add_option("--index", a->settings.index, "index directory (roz overlap build)")->required();
  add_query_options(cmd, a->queries);
  cmd->add_option("--k", a->settings.k, "neighbours kept per image")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--threshold", a->settings.threshold,
                  "cosine at which a neighbour without a readable image is a copy (default: the index's calibration)")
      ->check(CLI::Range(-1.0, 1.0));
  cmd->add_option("--verify-threshold", a->settings.verify_threshold,
                  "pixel similarity at which a verified neighbour is a copy (default: the index's calibration)")
      ->check(CLI::Range(-1.0, 1.0));
  add_search_options(cmd, a->settings.search);
  add_score_norm_options(cmd, a->score_norm, "; default: the calibration's");
  cmd->add_option("--pairs", a->settings.pairs, "closest unflagged pairs shown beside the copies")
      ->capture_default_str();
  cmd->add_option("--out", a->out, "directory of the results store (a roz run --out: its report splits by overlap)")
      ->required();
  commands.push_back(
      {cmd, [&global, a] {
         overlap::World world;
         a->settings.normalisation = a->score_norm.given();
         core::Registry registry = core::Registry::discover(search_path(global));
         core::PluginHost host(registry, 0, global.threads, global.device_or_cpu(), global.precision_or_fp32());
         std::unique_ptr<datasets::Dataset> dataset;
         std::unique_ptr<core::ResultsStore> store;
         core::AuditQueries queries;
         std::string error;
         if (world.root()) {
           try {
             queries = open_queries(host, a->queries, dataset);
             fs::create_directories(a->out);
             store = std::make_unique<core::ResultsStore>(fs::path(a->out) / "results.db");
           } catch (const std::exception& e) {
             error = e.what();
           }
         }
         if (const std::string first = world.first_error(error); !first.empty()) throw Error(first);
         const core::AuditResult r =
             core::audit_overlap(host, a->settings, world.root() ? &queries : nullptr, store.get(), &world);
         if (!world.root()) return 0;
         const core::OverlapAudit& audit = r.audit;
         spdlog::info(
             "{}: {} images against {} vectors ('{}', {} rank(s)) in {:.1f} s: {} copies verified "
             "({:.2f}%), {} by embedding alone ({:.2f}%), {} candidates rejected by verification; "
             "stored in {}",
             audit.dataset, audit.samples, audit.index_vectors, audit.factory, audit.ranks, audit.seconds,
             r.counts.verified, 100.0 * r.counts.verified / audit.samples, r.counts.embedding,
             100.0 * r.counts.embedding / audit.samples, r.counts.rejected, store->file().string());
         // Per class, and every sample's nearest neighbour as CSV.
         const fs::path csv = fs::path(a->out) / ("overlap-" + audit.dataset + ".csv");
         std::ofstream out(csv);
         out << "sample_id,label,status,similarity,verification,neighbour_id,neighbour_source,"
                "neighbour_label\n";
         const std::vector<core::OverlapSample> samples = store->audits().samples(audit.dataset);
         for (const core::OverlapSample& s : samples) {
           const core::OverlapNeighbour& n = s.neighbours.front();
           out << csv_field(s.sample_id) << "," << s.label << "," << core::copy_status(s, audit.decision) << ","
               << n.similarity << "," << (n.verification ? fmt::format("{}", *n.verification) : std::string()) << ","
               << csv_field(n.id) << "," << csv_field(n.source) << ","
               << (n.label ? std::to_string(*n.label) : std::string()) << "\n";
         }
         for (const auto& [label, counts] : r.counts.per_class) {
           spdlog::info("  {}: {} of {} copied ({:.1f}%)", core::class_name(audit, label), counts.first, counts.second,
                        100.0 * counts.first / counts.second);
         }
         std::cout << "overlap: " << csv.string() << "\n";
         return 0;
       }});
}

void add_dedup(CLI::App& overlap_app, std::vector<Command>& commands) {
  struct Args {
    overlap::DedupOptions options;
    std::string embeddings, against, out, factory = "Flat";
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = overlap_app.add_subcommand(
      "dedup", "duplicates within one embedding set, or of one set in another (--against: test vs train)");
  cmd->add_option("--embeddings", a->embeddings, "the set to check: a .npy file or a glob of shards")->required();
  cmd->add_option("--against", a->against,
                  "another set: an index directory, or .npy file(s) indexed with --index into OUT/against-index");
  cmd->add_option("--index", a->factory, "factory string of the index built here")->capture_default_str();
  cmd->add_option("--k", a->options.k, "neighbours examined per item")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  add_threshold_options(cmd, a->options.thresholds);
  add_search_options(cmd, a->options.search);
  cmd->add_option("--out", a->out, "output directory: duplicates.csv, dedup.json (and groups.jsonl within a set)")
      ->required();
  commands.push_back(
      {cmd, [a] {
         overlap::DedupOptions& o = a->options;
         check_thresholds(o.thresholds);
         o.queries = overlap::glob_embeddings(a->embeddings);
         o.within = a->against.empty();
         const fs::path out(a->out);
         fs::create_directories(out);
         if (!o.within && fs::exists(overlap::index_directory(a->against) / overlap::kManifestFile)) {
           o.index = a->against;
         } else {
           overlap::BuildOptions build;
           build.embeddings = o.within ? o.queries : overlap::glob_embeddings(a->against);
           build.factory = a->factory;
           build.out = out / (o.within ? "index" : "against-index");
           build.created_by = std::string("roz ") + ROZ_VERSION;
           if (!fs::exists(build.out / overlap::kManifestFile)) overlap::build_index(build);
           o.index = build.out;
         }
         const overlap::DedupResult r = overlap::find_duplicates(o);
         std::ofstream csv(out / "duplicates.csv");
         csv << "query_row,query_id,match_vector,match_id,similarity,class\n";
         std::int64_t exact = 0;
         for (const overlap::DuplicatePair& p : r.pairs) {
           const std::string kind = overlap::overlap_class(p.similarity, o.thresholds);
           exact += kind == "exact";
           csv << p.query << "," << csv_field(p.query_info.id) << "," << p.vector << "," << csv_field(p.match_info.id)
               << "," << p.similarity << "," << kind << "\n";
         }
         std::int64_t grouped = 0;
         if (o.within) {
           std::ofstream groups(out / "groups.jsonl");
           for (const auto& g : r.groups) {
             grouped += static_cast<std::int64_t>(g.size());
             groups << nlohmann::json(g).dump() << "\n";
           }
         }
         const nlohmann::json summary{{"embeddings", a->embeddings},
                                      {"against", a->against},
                                      {"index", o.index.string()},
                                      {"items", r.queries},
                                      {"near_threshold", o.thresholds.near},
                                      {"exact_threshold", o.thresholds.exact},
                                      {"pairs", r.pairs.size()},
                                      {"exact_pairs", exact},
                                      {"items_with_duplicate", r.queries_with_duplicate},
                                      {"groups", r.groups.size()},
                                      {"items_in_groups", grouped},
                                      {"removable", grouped - static_cast<std::int64_t>(r.groups.size())}};
         std::ofstream(out / "dedup.json") << summary.dump(2) << "\n";
         if (o.within)
           spdlog::info("{} items: {} duplicate pairs ({} exact) in {} groups; {} items removable", r.queries,
                        r.pairs.size(), exact, r.groups.size(), grouped - static_cast<std::int64_t>(r.groups.size()));
         else
           spdlog::info("{} of {} items ({:.2f}%) have a duplicate in '{}': {} pairs ({} exact)",
                        r.queries_with_duplicate, r.queries, 100.0 * r.queries_with_duplicate / r.queries, a->against,
                        r.pairs.size(), exact);
         std::cout << "dedup: " << (out / "duplicates.csv").string() << ", " << (out / "dedup.json").string() << "\n";
         return 0;
       }});
}

}  // namespace

void add_overlap_commands(CLI::App& app, const GlobalOptions& global, std::vector<Command>& commands) {
  CLI::App* overlap_app = app.add_subcommand("overlap", "data-overlap / contamination audit with FAISS");
  overlap_app->require_subcommand(1);
  add_build(*overlap_app, commands);
  add_calibrate(*overlap_app, global, commands);
  add_audit(*overlap_app, global, commands);
  add_dedup(*overlap_app, commands);
}

}  // namespace roz::cli

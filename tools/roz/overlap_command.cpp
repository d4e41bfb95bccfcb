// roz overlap build | audit | dedup: the data-overlap / contamination audit (docs/overlap.md).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "roz/core/dataset_lookup.hpp"
#include "roz/core/csv.hpp"
#include "roz/core/evaluator.hpp"
#include "roz/core/overlap_audit.hpp"
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

void add_audit(CLI::App& overlap_app, const GlobalOptions& global, std::vector<Command>& commands) {
  struct Args {
    core::AuditSettings settings;
    std::string model, dataset, out;
    std::size_t per_class = 0, limit = 0;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = overlap_app.add_subcommand(
      "audit", "find an evaluation set's nearest pre-training neighbours (mpirun -n N splits the index shards)");
  cmd->add_option("--index", a->settings.index, "index directory (roz overlap build)")->required();
  cmd->add_option("--model", a->model, "model spec: the one the index embeddings came from")->required();
  cmd->add_option("--dataset", a->dataset, "ImageFolder root, manifest file or manifest name")->required();
  cmd->add_option("--per-class", a->per_class, "audit the first N images of every class (as roz run)");
  cmd->add_option("--limit", a->limit, "audit at most N images");
  cmd->add_option("--k", a->settings.k, "neighbours kept per image")->capture_default_str()->check(CLI::PositiveNumber);
  add_threshold_options(cmd, a->settings.thresholds);
  add_search_options(cmd, a->settings.search);
  cmd->add_option("--pairs", a->settings.pairs, "closest pairs shown in the report")->capture_default_str();
  cmd->add_option("--out", a->out, "directory of the results store (a roz run --out: its report splits by overlap)")
      ->required();
  commands.push_back({cmd, [&global, a] {
                        check_thresholds(a->settings.thresholds);
                        overlap::World world;
                        core::Registry registry = core::Registry::discover(search_path(global));
                        core::PluginHost host(registry, 0, global.threads, global.device_or_cpu(),
                              global.precision_or_fp32());
                        std::unique_ptr<datasets::Dataset> dataset;
                        std::unique_ptr<core::ResultsStore> store;
                        core::AuditQueries queries;
                        std::string error;
                        if (world.root()) {
                          try {
                            dataset = datasets::open_dataset(a->dataset, core::dataset_manifest_dirs());
                            queries.dataset = dataset.get();
                            queries.samples = dataset->samples();
                            if (a->per_class > 0)
                              queries.samples = datasets::split_per_class(queries.samples, a->per_class).first;
                            if (a->limit > 0 && queries.samples.size() > a->limit) queries.samples.resize(a->limit);
                            const core::ResolvedPlugin model = host.resolve(PluginKind::model, parse_spec(a->model));
                            queries.model_spec = model.spec;
                            queries.model = host.create_model(model);
                            fs::create_directories(a->out);
                            store = std::make_unique<core::ResultsStore>(fs::path(a->out) / "results.db");
                          } catch (const std::exception& e) {
                            error = e.what();
                          }
                        }
                        if (const std::string first = world.first_error(error); !first.empty()) throw Error(first);
                        const core::AuditResult r = core::audit_overlap(
                            host, a->settings, world.root() ? &queries : nullptr, store.get(), &world);
                        if (!world.root()) return 0;
                        const core::OverlapAudit& audit = r.audit;
                        spdlog::info(
                            "{}: {} images against {} vectors ('{}', {} rank(s)) in {:.1f} s: {} exact "
                            "({:.2f}%), {} near ({:.2f}%) duplicates; stored in {}",
                            audit.dataset, audit.samples, audit.index_vectors, audit.factory, audit.ranks,
                            audit.seconds, r.exact, 100.0 * r.exact / audit.samples, r.near,
                            100.0 * r.near / audit.samples, store->file().string());
                        // Per class, and every sample's nearest neighbour as CSV.
                        const fs::path csv = fs::path(a->out) / ("overlap-" + audit.dataset + ".csv");
                        std::ofstream out(csv);
                        out << "sample_id,label,class,similarity,neighbour_id,neighbour_source,neighbour_label\n";
                        const std::vector<core::OverlapSample> samples = store->audits().samples(audit.dataset);
                        for (const core::OverlapSample& s : samples) {
                          const core::OverlapNeighbour& n = s.neighbours.front();
                          const std::string kind = core::overlap_class(s, audit.thresholds);
                          out << csv_field(s.sample_id) << "," << s.label << "," << kind << "," << n.similarity << ","
                              << csv_field(n.id) << "," << csv_field(n.source) << ","
                              << (n.label ? std::to_string(*n.label) : std::string()) << "\n";
                        }
                        for (const auto& [label, counts] : core::count_overlap(samples, audit.thresholds).per_class) {
                          spdlog::info("  {}: {} of {} overlapping ({:.1f}%)", core::class_name(audit, label),
                                       counts.first, counts.second, 100.0 * counts.first / counts.second);
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
  add_audit(*overlap_app, global, commands);
  add_dedup(*overlap_app, commands);
}

}  // namespace roz::cli

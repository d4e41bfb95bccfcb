// roz bench overlap: build and search throughput, peak memory and recall@1 of an overlap index on
// clustered synthetic embeddings (1M x 512 float16 by default; docs/overlap.md#benchmark). One index
// per invocation, so the peak resident memory is that index's; recall is against the Flat run's
// neighbours of the same data, when that run exists.
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"
#include "commands.hpp"
#include "roz/error.hpp"
#include "roz/overlap/index_builder.hpp"
#include "roz/overlap/npy.hpp"
#include "roz/overlap/sharded_index.hpp"
#include "roz/overlap/synthetic.hpp"

namespace roz::cli {

namespace {

namespace fs = std::filesystem;

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

std::string file_name_for(const std::string& factory) {
  std::string out;
  for (char c : factory) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

struct BenchOverlapArgs {
  std::string data, factory = "Flat";
  overlap::SyntheticSpec synthetic;
  overlap::SearchParams search;
  std::int64_t k = 10, train_vectors = 0;
  int repeats = 3;
  bool reuse = false;
};

int run_bench_overlap(const GlobalOptions& global, const BenchOverlapArgs& a) {
  const fs::path dir(a.data);
  nlohmann::json out{{"factory", a.factory}, {"threads", global.threads}, {"k", a.k}, {"repeats", a.repeats}};
  if (!fs::exists(dir / "queries.npy")) {
    const auto start = std::chrono::steady_clock::now();
    overlap::write_synthetic(a.synthetic, dir);
    spdlog::info("wrote {} x {} float16 synthetic embeddings and {} queries to {} in {:.1f} s", a.synthetic.vectors,
                 a.synthetic.dim, a.synthetic.queries, dir.string(), seconds_since(start));
  }
  const fs::path index = dir / ("index-" + file_name_for(a.factory));
  if (!(a.reuse && fs::exists(index / overlap::kManifestFile))) {
    fs::remove_all(index);
    overlap::BuildOptions build;
    build.embeddings = overlap::glob_embeddings((dir / "emb" / "*.npy").string());
    build.factory = a.factory;
    build.out = index;
    build.train_vectors = a.train_vectors;
    build.created_by = "roz bench overlap";
    const auto start = std::chrono::steady_clock::now();
    const overlap::IndexManifest m = overlap::build_index(build);
    const double seconds = seconds_since(start);
    std::uintmax_t bytes = 0;
    for (const overlap::IndexShard& s : m.shards) bytes += fs::file_size(index / s.file);
    out["vectors"] = m.vectors;
    out["dim"] = m.dim;
    out["train_vectors"] = m.train_vectors;
    out["build_seconds"] = seconds;
    out["build_vectors_per_s"] = static_cast<double>(m.vectors) / seconds;
    out["index_bytes_per_vector"] = static_cast<double>(bytes) / static_cast<double>(m.vectors);
    out["peak_rss_mb_build"] = peak_rss_mb();
  }

  const overlap::NpyMatrix queries = overlap::read_npy(dir / "queries.npy");
  overlap::ShardedIndex loaded(index);
  std::vector<double> roz_rates, faiss_rates, faiss_shares;
  overlap::Neighbours found;
  for (int r = 0; r < a.repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    double inside = 0;  // of this very search, the FAISS calls: the share is free of run-to-run noise
    found = loaded.search(queries.data.data(), queries.rows, a.k, a.search, &inside);
    const double seconds = seconds_since(start);
    roz_rates.push_back(static_cast<double>(queries.rows) / seconds);
    faiss_shares.push_back(inside / seconds);
    faiss_rates.push_back(static_cast<double>(queries.rows) /
                          loaded.native_search_seconds(queries.data.data(), queries.rows, a.k, a.search));
  }
  out["queries"] = queries.rows;
  out["search_queries_per_s"] = median(roz_rates);
  out["faiss_queries_per_s"] = median(faiss_rates);
  out["search_over_faiss"] = median(roz_rates) / median(faiss_rates);
  out["faiss_share_of_search"] = median(faiss_shares);  // 1 - the merge and id mapping's share
  out["search_runs"] = roz_rates;
  out["faiss_runs"] = faiss_rates;
  out["faiss_share_runs"] = faiss_shares;
  out["peak_rss_mb"] = peak_rss_mb();

  // Neighbours kept for the recall of the other indexes against Flat.
  const fs::path ids_file = dir / ("neighbours-" + file_name_for(a.factory) + ".bin");
  std::ofstream(ids_file, std::ios::binary)
      .write(reinterpret_cast<const char*>(found.ids.data()), static_cast<std::streamsize>(found.ids.size() * 8));
  const fs::path exact = dir / "neighbours-Flat.bin";
  if (a.factory != "Flat" && fs::exists(exact) && fs::file_size(exact) == found.ids.size() * 8) {
    std::vector<std::int64_t> flat(found.ids.size());
    std::ifstream(exact, std::ios::binary)
        .read(reinterpret_cast<char*>(flat.data()), static_cast<std::streamsize>(flat.size() * 8));
    std::int64_t at1 = 0, atk = 0;
    for (std::int64_t q = 0; q < found.queries; ++q) {
      at1 += found.id_at(q, 0) == flat[static_cast<std::size_t>(q * a.k)];
      for (std::int64_t r = 0; r < a.k; ++r)  // the exact nearest neighbour anywhere in this index's top k
        atk += found.id_at(q, r) == flat[static_cast<std::size_t>(q * a.k)];
    }
    out["recall_at_1"] = static_cast<double>(at1) / static_cast<double>(found.queries);
    out["recall_1_at_k"] = static_cast<double>(atk) / static_cast<double>(found.queries);
  }
  std::ofstream(dir / "bench.jsonl", std::ios::app) << out.dump() << "\n";
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace

void add_bench_overlap_command(CLI::App& bench, const GlobalOptions& global, std::vector<Command>& commands) {
  auto a = std::make_shared<BenchOverlapArgs>();
  CLI::App* cmd = bench.add_subcommand(
      "overlap", "overlap index build and search throughput, peak memory and recall@1 against Flat (synthetic data)");
  cmd->add_option("--data", a->data, "data directory: synthetic embeddings are written there on first use")->required();
  cmd->add_option("--index", a->factory, "FAISS factory string")->capture_default_str();
  cmd->add_option("--vectors", a->synthetic.vectors, "synthetic database size")->capture_default_str();
  cmd->add_option("--dim", a->synthetic.dim, "dimension")->capture_default_str();
  cmd->add_option("--clusters", a->synthetic.clusters, "clusters")->capture_default_str();
  cmd->add_option("--queries", a->synthetic.queries, "queries")->capture_default_str();
  cmd->add_option("--seed", a->synthetic.seed, "seed of the synthetic data")->capture_default_str();
  cmd->add_option("--k", a->k, "neighbours per query")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--train-size", a->train_vectors, "training sample (0: automatic)");
  cmd->add_option("--nprobe", a->search.nprobe, "IVF lists visited (0: default)");
  cmd->add_option("--ef-search", a->search.ef_search, "HNSW search list (0: default)");
  cmd->add_option("--k-factor", a->search.k_factor, "RFlat re-ranking factor (0: default)");
  cmd->add_option("--repeats", a->repeats, "search runs; medians are reported")->check(CLI::PositiveNumber);
  cmd->add_flag("--reuse", a->reuse, "search an index built by an earlier run (peak memory of search alone)");
  commands.push_back({cmd, [&global, a] { return run_bench_overlap(global, *a); }});
}

}  // namespace roz::cli

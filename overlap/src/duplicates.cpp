#include "roz/overlap/duplicates.hpp"

#include <faiss/utils/distances.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "roz/error.hpp"
#include "roz/overlap/npy.hpp"

namespace roz::overlap {

namespace fs = std::filesystem;

std::string overlap_class(double similarity, const DuplicateThresholds& t) {
  return similarity >= t.exact ? "exact" : similarity >= t.near ? "near" : "none";
}

namespace {

std::int64_t find_root(std::vector<std::int64_t>& parent, std::int64_t x) {
  while (parent[static_cast<std::size_t>(x)] != x) {
    parent[static_cast<std::size_t>(x)] = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(x)])];
    x = parent[static_cast<std::size_t>(x)];
  }
  return x;
}

}  // namespace

DedupResult find_duplicates(const DedupOptions& o) {
  ShardedIndex index(o.index);
  DedupResult result;
  const std::int64_t k = o.within ? o.k + 1 : o.k;  // within a set the first hit is the row itself
  std::vector<float> rows;
  std::set<std::pair<std::int64_t, std::int64_t>> seen;
  for (const fs::path& file : o.queries) {
    NpyReader reader(file);
    if (reader.cols() != index.manifest().dim)
      throw DataError("npy file '" + file.string() + "': dimension " + std::to_string(reader.cols()) + ", the index '" +
                      o.index.string() + "' has " + std::to_string(index.manifest().dim));
    const std::vector<RowInfo> ids = read_ids_for(file, reader.rows());
    for (std::int64_t first = 0; first < reader.rows(); first += o.batch_rows) {
      const std::int64_t n = std::min(o.batch_rows, reader.rows() - first);
      rows.resize(static_cast<std::size_t>(n * reader.cols()));
      reader.read(first, n, rows.data());
      faiss::fvec_renorm_L2(static_cast<std::size_t>(reader.cols()), static_cast<std::size_t>(n), rows.data());
      const Neighbours found = index.search(rows.data(), n, k, o.search);
      for (std::int64_t q = 0; q < n; ++q) {
        const std::int64_t row = result.queries + q;
        bool any = false;
        for (std::int64_t r = 0; r < k; ++r) {
          const std::int64_t id = found.id_at(q, r);
          if (id < 0 || found.similarity_at(q, r) < o.thresholds.near) break;
          if (o.within && id == row) continue;
          any = true;
          DuplicatePair pair;
          pair.similarity = found.similarity_at(q, r);
          if (o.within) {  // each pair once, whichever side found it
            pair.query = std::min(row, id);
            pair.vector = std::max(row, id);
            if (!seen.insert({pair.query, pair.vector}).second) continue;
            pair.query_info = index.origin(pair.query).info;
          } else {
            pair.query = row;
            pair.vector = id;
            const std::size_t local = static_cast<std::size_t>(first + q);
            pair.query_info = local < ids.size()
                                  ? ids[local]
                                  : RowInfo{file.filename().string() + "#" + std::to_string(local), {}, {}, {}, {}};
          }
          pair.match_info = index.origin(pair.vector).info;
          result.pairs.push_back(std::move(pair));
        }
        result.queries_with_duplicate += any;
      }
      result.queries += n;
    }
  }
  if (o.within) {
    if (index.manifest().vectors != result.queries)
      throw DataError("overlap dedup: the index '" + o.index.string() + "' holds " +
                      std::to_string(index.manifest().vectors) + " vectors, the embeddings " +
                      std::to_string(result.queries) + ": a within-set dedup searches a set in its own index");
    std::vector<std::int64_t> parent(static_cast<std::size_t>(result.queries));
    std::iota(parent.begin(), parent.end(), 0);
    for (const DuplicatePair& p : result.pairs)
      parent[static_cast<std::size_t>(find_root(parent, p.query))] = find_root(parent, p.vector);
    std::map<std::int64_t, std::vector<std::int64_t>> groups;
    std::set<std::int64_t> members;
    for (const DuplicatePair& p : result.pairs) members.insert({p.query, p.vector});
    for (std::int64_t m : members) groups[find_root(parent, m)].push_back(m);
    for (auto& [root, group] : groups) result.groups.push_back(std::move(group));
    std::stable_sort(result.groups.begin(), result.groups.end(),
                     [](const auto& a, const auto& b) { return a.size() > b.size(); });
  }
  std::stable_sort(result.pairs.begin(), result.pairs.end(),
                   [](const DuplicatePair& a, const DuplicatePair& b) { return a.similarity > b.similarity; });
  return result;
}

}  // namespace roz::overlap

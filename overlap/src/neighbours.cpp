#include "roz/overlap/neighbours.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <utility>

namespace roz::overlap {

Neighbours::Neighbours(std::int64_t q, std::int64_t k_)
    : queries(q),
      k(k_),
      similarity(static_cast<std::size_t>(q * k_), -std::numeric_limits<float>::infinity()),
      ids(static_cast<std::size_t>(q * k_), -1) {}

Neighbours merge_neighbours(const Neighbours& a, const Neighbours& b) {
  if (a.queries == 0 && a.k == 0) return b;
  if (b.queries == 0 && b.k == 0) return a;
  if (a.queries != b.queries || a.k != b.k) throw std::invalid_argument("merge_neighbours: shapes differ");
  Neighbours out(a.queries, a.k);
  std::vector<std::pair<float, std::int64_t>> candidates;
  for (std::int64_t q = 0; q < a.queries; ++q) {
    candidates.clear();
    for (const Neighbours* n : {&a, &b})
      for (std::int64_t r = 0; r < n->k; ++r)
        if (n->id_at(q, r) >= 0) candidates.emplace_back(n->similarity_at(q, r), n->id_at(q, r));
    std::sort(candidates.begin(), candidates.end(), [](const auto& x, const auto& y) {
      return x.first != y.first ? x.first > y.first : x.second < y.second;
    });
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    for (std::size_t r = 0; r < candidates.size() && static_cast<std::int64_t>(r) < a.k; ++r) {
      out.similarity[static_cast<std::size_t>(q * a.k) + r] = candidates[r].first;
      out.ids[static_cast<std::size_t>(q * a.k) + r] = candidates[r].second;
    }
  }
  return out;
}

}  // namespace roz::overlap

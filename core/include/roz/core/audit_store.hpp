// The contamination audit's tables in a results store (results_store.hpp): per dataset, how it was
// audited (overlap_audits), each evaluated sample's nearest pre-training neighbours
// (overlap_neighbours) and the closest pairs as thumbnails for the report (overlap_pairs). Owned by
// its ResultsStore and valid while it lives; not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "roz/core/overlap_records.hpp"

namespace roz::core {

struct StoreDatabase;

class AuditStore {
 public:
  explicit AuditStore(const StoreDatabase& db) : db_(db) {}

  // Replaces the dataset's audit, its samples and pairs, in one transaction.
  void replace(const OverlapAudit& audit, const std::vector<OverlapSample>& samples,
               const std::vector<OverlapPair>& pairs);
  // By dataset name.
  std::vector<OverlapAudit> all() const;
  std::vector<OverlapSample> samples(const std::string& dataset) const;
  std::vector<OverlapPair> pairs(const std::string& dataset) const;

 private:
  const StoreDatabase& db_;
};

}  // namespace roz::core

// The summaries table of a results store (results_store.hpp): the numbers `roz report` computed
// from the records, in their three scopes, kept beside the records they came from. Owned by its
// ResultsStore and valid while it lives; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "roz/metric.hpp"

namespace roz::core {

struct StoreDatabase;

struct StoredSummary {
  std::string scope;              // condition | across_conditions | across_models
  std::string metric;             // the metric plugin's resolved spec
  ConditionInfo info;             // what the row describes (a stored condition, or a metric's own summary row)
  std::int64_t condition_id = 0;  // 0 when the row is not one stored condition
  MetricValue value;
  std::optional<double> boot_low, boot_high;  // bootstrap 95% interval (per-condition metrics)
};

class SummaryStore {
 public:
  explicit SummaryStore(const StoreDatabase& db) : db_(db) {}

  // Every stored summary replaced by `rows`, in one transaction.
  void replace(const std::vector<StoredSummary>& rows);
  // In the order they were stored.
  std::vector<StoredSummary> all() const;

 private:
  const StoreDatabase& db_;
};

}  // namespace roz::core

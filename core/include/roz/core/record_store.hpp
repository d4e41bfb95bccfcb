// The records table of a results store (results_store.hpp): every evaluated sample of a condition
// with its label, logits, embedding, perturbation norms and metadata, and the samples a condition
// skipped or could not read. It keeps records and never judges them: whether a record is correct
// is the metrics' rule, applied when the result model is computed (results.hpp). Owned by its
// ResultsStore and valid while it lives; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "roz/metric.hpp"

namespace roz::core {

struct BatchOutcome;
struct StoreDatabase;

class RecordStore {
 public:
  explicit RecordStore(const StoreDatabase& db) : db_(db) {}

  // A batch's records (status ok) and the ids it skipped or could not read. Not a transaction of
  // its own: ResultsStore::add_batch writes them with the condition's counters in one.
  void insert(std::int64_t condition_id, const BatchOutcome& batch);
  // Sample ids recorded for a condition (any status).
  std::set<std::string> sample_ids(std::int64_t condition_id) const;
  // The condition's records with status ok, in insertion order.
  void read(std::int64_t condition_id, const std::function<void(const SampleRecord&)>& visit) const;
  void erase(std::int64_t condition_id);
  // Copies the records of `from`, a condition of the store attached as `source`, to `to`.
  void copy_from_source(std::int64_t from, std::int64_t to);

 private:
  const StoreDatabase& db_;
};

}  // namespace roz::core

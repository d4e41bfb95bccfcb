// The report model: what every report format shows (a results store's finished conditions, their
// summary rows, the run's warnings and overlap audits), and the queries the writers share. Data
// only; report_writers.hpp turns it into JSON, CSV, Markdown and HTML. Not thread-safe to build,
// read-only (and so shareable) once built.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "roz/core/results_store.hpp"

namespace roz::core {

// An overlap audit with its counts, as the report shows it.
struct AuditedDataset {
  OverlapAudit audit;
  OverlapCounts counts;
};

struct ReportData {
  const ResultsStore& store;  // for the run's metadata and the overlap pairs' images
  const std::vector<StoredCondition>& conditions;
  const std::vector<StoredSummary>& rows;
  const std::vector<std::string>& warnings;
  const std::vector<AuditedDataset>& audits;
};

// The value `name` of a stored condition in `scope` (condition, overlap_subset, clean_subset), if any.
const StoredSummary* find_value(const ReportData& d, std::int64_t condition_id, const std::string& name,
                                const std::string& scope = "condition");
std::optional<double> top1(const ReportData& d, const StoredCondition& c);

// (model, dataset) groups of conditions, in the order they were run.
std::vector<std::vector<const StoredCondition*>> model_dataset_groups(const ReportData& d);

// The headline values (top-1, top-5, robust accuracy, success rates, ECE, NLL) any condition of the
// group has, in table order; every value is in summary.csv and report.json.
std::vector<std::string> headline_names(const ReportData& d, const std::vector<const StoredCondition*>& group);
bool is_headline(const std::string& name);

std::string attribute(const StoredCondition& c, const std::string& key);
// The condition as the config wrote it (the resolved spec is in the tooltip and the data files).
std::string label(const StoredCondition& c);
// A model spec's plugin name, e.g. "mini_clip" for "mini_clip:weights=default,...".
std::string model_name(const std::string& spec);

// One contamination-corrected row: a value on all samples, the overlapping and the clean subset.
struct SplitValue {
  const StoredCondition* condition;
  std::string name;
  const StoredSummary *all, *overlap, *clean;
};
std::vector<SplitValue> split_values(const ReportData& d, const std::string& dataset, bool headline_only);
// How many of the condition's samples fall in `scope` (overlap_subset or clean_subset).
std::int64_t subset_samples(const ReportData& d, const StoredCondition& c, const std::string& scope);

}  // namespace roz::core

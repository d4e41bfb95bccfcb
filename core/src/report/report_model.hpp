// The queries every report writer shares over the result model (results.hpp): groups, headline
// columns, labels, the contamination split; report_writers.hpp turns the model into JSON, CSV,
// Markdown and HTML.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "roz/core/results.hpp"

namespace roz::core {

std::optional<double> top1(const Results& d, const StoredCondition& c);

// (model, dataset) groups of conditions, in the order they were run.
std::vector<std::vector<const StoredCondition*>> model_dataset_groups(const Results& d);

// The headline values (top-1, top-5, robust accuracy, success rates, ECE, NLL) any condition of the
// group has, in table order; every value is in summary.csv and report.json.
std::vector<std::string> headline_names(const Results& d, const std::vector<const StoredCondition*>& group);
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
std::vector<SplitValue> split_values(const Results& d, const std::string& dataset, bool headline_only);
// How many of the condition's samples fall in `scope` (overlap_subset or clean_subset).
std::int64_t subset_samples(const Results& d, const StoredCondition& c, const std::string& scope);

}  // namespace roz::core

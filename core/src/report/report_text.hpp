// How the report formats write numbers: the metric display rule (roz/core/metric_display.hpp) with
// bootstrap intervals, percentages of counts, the contamination split's cells.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "report/report_model.hpp"

namespace roz::core {

// `v` with `digits` decimals: "0.1235" for fixed(0.12345, 4).
std::string fixed(double v, int digits);
// The value as every table shows it, with its bootstrap interval in brackets when asked and stored.
std::string format_value(const StoredSummary& r, bool with_interval);
// The shortest exact text of `v`, empty when there is none (summary.csv's empty cell).
std::string optional_number(const std::optional<double>& v);
// "12.50%" for 1 of 8; empty for a whole of 0.
std::string percent(std::int64_t part, std::int64_t whole);
// A cell of the contamination split (empty when the subset has no value), and clean minus all.
std::string split_cell(const StoredSummary* r);
std::string split_difference(const SplitValue& v);
// What an audit found and how it decided, in plain sentences (the HTML escapes them): copies verified
// on the pixels and by embedding alone, candidates and how many verification rejected, the thresholds
// and where they come from, unreadable pre-training images.
std::string audit_text(const OverlapAudit& audit, const OverlapCounts& counts);
// For a condition scored in another dataset's label space (an OOD set), the sentence saying so that
// heads its group; empty otherwise.
std::string label_space_note(const StoredCondition& c);

}  // namespace roz::core

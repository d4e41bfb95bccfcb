// The four report formats over one results store's finished conditions and summaries.
#pragma once

#include <filesystem>
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
  const ResultsStore& store;
  const std::vector<StoredCondition>& conditions;
  const std::vector<StoredSummary>& rows;
  const std::vector<std::string>& warnings;
  const std::vector<AuditedDataset>& audits;
};

std::string json_report(const ReportData& data);
std::string csv_report(const ReportData& data);
std::string markdown_report(const ReportData& data);
std::string html_report(const ReportData& data);

}  // namespace roz::core

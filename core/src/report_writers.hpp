// The four report formats over one results store's finished conditions and summaries.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "roz/core/results_store.hpp"

namespace roz::core {

struct ReportData {
  const ResultsStore& store;
  const std::vector<StoredCondition>& conditions;
  const std::vector<StoredSummary>& rows;
  const std::vector<std::string>& warnings;
};

std::string json_report(const ReportData& data);
std::string csv_report(const ReportData& data);
std::string markdown_report(const ReportData& data);
std::string html_report(const ReportData& data);

void write_file(const std::filesystem::path& file, const std::string& text);

}  // namespace roz::core

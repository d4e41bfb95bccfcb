// `roz report DIR` (also the end of `roz run`): every number from metric plugins over the stored
// records, in their three scopes, with bootstrap 95% intervals for the per-condition ones; stored
// in the results store's summaries table and written as report.html (self-contained, inline SVG
// charts), report.md, summary.csv and report.json.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "roz/spec.hpp"

namespace roz::core {

class PluginHost;
class ResultsStore;

struct ReportOptions {
  std::vector<Spec> metrics;  // empty: every installed built-in metric (kDefaultMetrics)
  int bootstrap = 200;        // resamples per condition; 0: none
  std::uint64_t seed = 0;     // the bootstrap's, from the run seed
};

// The metrics `roz run` uses when the config names none.
std::vector<Spec> default_metrics(const PluginHost& host);

struct ReportFiles {
  std::filesystem::path html, markdown, csv, json;
  std::vector<std::string> warnings;  // attack sanity checks
};

// Computes and stores the summaries, then writes the four files into `dir`.
ReportFiles write_report(PluginHost& host, ResultsStore& store, const ReportOptions& options,
                         const std::filesystem::path& dir);

}  // namespace roz::core

// `roz report DIR` (also the end of `roz run` and of `roz eval --out`): the result model
// (results.hpp) written as report.html (self-contained, inline SVG charts), report.md, summary.csv
// and report.json.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace roz::core {

struct Results;

struct ReportFiles {
  std::filesystem::path html, markdown, csv, json;
};

// Every file rendered before any is written, each replaced whole: a failure leaves the previous
// report as it was.
ReportFiles write_report(const Results& results, const std::filesystem::path& dir);

// report.json's text: the layout `roz eval --json` prints too.
std::string json_report(const Results& results);

}  // namespace roz::core

#include "roz/core/report.hpp"

#include "report/report_writers.hpp"
#include "roz/core/atomic_file.hpp"
#include "roz/core/results.hpp"

namespace roz::core {

ReportFiles write_report(const Results& results, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  ReportFiles files{dir / "report.html", dir / "report.md", dir / "summary.csv", dir / "report.json"};
  const std::string json = json_report(results), csv = csv_report(results), markdown = markdown_report(results),
                    html = html_report(results);
  write_text_atomically(files.json, json);
  write_text_atomically(files.csv, csv);
  write_text_atomically(files.markdown, markdown);
  write_text_atomically(files.html, html);
  return files;
}

}  // namespace roz::core

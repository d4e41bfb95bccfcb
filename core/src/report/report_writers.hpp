// The four report formats over one report model (report_model.hpp), each in its own file:
// json_report.cpp and csv_report.cpp keep every stored number exactly, markdown_report.cpp and
// html_report.cpp (with html_charts.cpp) show them by the metric display rule.
#pragma once

#include <string>

#include "report/report_model.hpp"
#include "roz/core/report.hpp"  // json_report

namespace roz::core {

std::string csv_report(const Results& data);
std::string markdown_report(const Results& data);
std::string html_report(const Results& data);

}  // namespace roz::core

#include <sstream>

#include "report/report_text.hpp"
#include "report/report_writers.hpp"
#include "roz/core/csv.hpp"
#include "roz/spec.hpp"

namespace roz::core {

// summary.csv: every stored row, its numbers in their shortest exact text.
std::string csv_report(const Results& d) {
  std::ostringstream out;
  out << "scope,metric,model,dataset,condition,kind,name,value,unit,ci_low,ci_high,boot_low,boot_high\n";
  for (const StoredSummary& r : d.rows)
    out << csv_field(r.scope) << "," << csv_field(r.metric) << "," << csv_field(r.info.model) << ","
        << csv_field(r.info.dataset) << "," << csv_field(r.info.condition) << "," << csv_field(r.info.kind) << ","
        << csv_field(r.value.name) << "," << format_number(r.value.value) << "," << to_string(r.value.unit) << ","
        << optional_number(r.value.ci_low) << "," << optional_number(r.value.ci_high) << ","
        << optional_number(r.boot_low) << "," << optional_number(r.boot_high) << "\n";
  return out.str();
}

}  // namespace roz::core

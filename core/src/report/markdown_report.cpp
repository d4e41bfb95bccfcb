#include <sstream>

#include "report/report_text.hpp"
#include "report/report_writers.hpp"

namespace roz::core {

namespace {

std::string markdown_headline_table(const Results& d, const std::vector<const StoredCondition*>& group) {
  const std::vector<std::string> names = headline_names(d, group);
  std::ostringstream out;
  out << "| condition | kind | N |";
  for (const auto& n : names) out << " " << n << " |";
  out << "\n|---|---|---:|";
  for (std::size_t i = 0; i < names.size(); ++i) out << "---:|";
  out << "\n";
  for (const StoredCondition* c : group) {
    out << "| `" << label(*c) << "` | " << c->info.kind << " | " << c->samples << " |";
    for (const auto& n : names) {
      const StoredSummary* r = find_value(d, c->id, n);
      out << " " << (r ? format_value(*r, true) : "") << " |";
    }
    out << "\n";
  }
  return out.str();
}

std::string markdown_scope_table(const Results& d, const std::string& scope) {
  std::ostringstream out;
  bool any = false;
  for (const StoredSummary& r : d.rows) {
    if (r.scope != scope) continue;
    if (!any) out << "| metric | model | dataset | condition | value |\n|---|---|---|---|---:|\n";
    any = true;
    out << "| `" << r.metric << "` | " << model_name(r.info.model) << " | " << r.info.dataset << " | `"
        << r.info.condition << "` | " << r.value.name << " = " << format_value(r, false) << " |\n";
  }
  return any ? out.str() : "none\n";
}

std::string markdown_overlap_section(const Results& d, const AuditedDataset& audited) {
  const OverlapAudit& a = audited.audit;
  const OverlapCounts& c = audited.counts;
  std::ostringstream out;
  out << "\n## Contamination audit: " << a.dataset << "\n\n"
      << audit_text(a, c) << "\n\n| class | copied | of | rate |\n|---|---:|---:|---:|\n";
  for (const auto& [label, counts] : c.per_class)
    out << "| " << class_name(a, label) << " | " << counts.first << " | " << counts.second << " | "
        << percent(counts.first, counts.second) << " |\n";
  out << "\nEvery metric on all samples, on the copied (overlapping) and on the clean subset (clean - all is the "
         "correction):\n\n| model | condition | metric | all | overlapping | clean | clean - all |\n"
         "|---|---|---|---:|---:|---:|---:|\n";
  for (const SplitValue& v : split_values(d, a.dataset, false))
    out << "| " << model_name(v.condition->info.model) << " | `" << label(*v.condition) << "` | " << v.name << " | "
        << split_cell(v.all) << " | " << split_cell(v.overlap) << " | " << split_cell(v.clean) << " | "
        << split_difference(v) << " |\n";
  return out.str();
}

}  // namespace

std::string markdown_report(const Results& d) {
  std::ostringstream out;
  out << "# RoZ report\n\nResults store `" << d.store.string() << "`, seed " << run_meta(d, "seed") << ", roz "
      << run_meta(d, "roz_version")
      << ". Shares in %, bootstrap 95% intervals in brackets; every value is in `summary.csv`.\n";
  for (const auto& group : model_dataset_groups(d)) {
    out << "\n## " << group.front()->info.dataset << " — " << model_name(group.front()->info.model) << "\n\nmodel `"
        << group.front()->info.model << "`, sha256 `" << group.front()->model_hash << "`\n\n";
    if (const std::string note = label_space_note(*group.front()); !note.empty()) out << note << "\n\n";
    out << markdown_headline_table(d, group);
  }
  for (const AuditedDataset& audited : d.audits) out << markdown_overlap_section(d, audited);
  out << "\n## Across conditions\n\n" << markdown_scope_table(d, "across_conditions");
  out << "\n## Across models\n\n" << markdown_scope_table(d, "across_models");
  if (!d.warnings.empty()) {
    out << "\n## Warnings\n\n";
    for (const std::string& w : d.warnings) out << "- " << w << "\n";
  }
  if (!d.unfinished.empty()) {
    out << "\n## Did not finish\n\n";
    for (const StoredCondition& c : d.unfinished) out << "- " << unfinished_line(c) << "\n";
  }
  return out.str();
}

}  // namespace roz::core

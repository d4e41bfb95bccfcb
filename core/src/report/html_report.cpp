#include <algorithm>
#include <sstream>

#include "report/html_charts.hpp"
#include "report/report_text.hpp"
#include "report/report_writers.hpp"
#include "roz/core/svg_chart.hpp"
#include "roz/spec.hpp"

namespace roz::core {

namespace {

const char* const kStyle =
    "body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}td:nth-child(n+3){text-align:right}"
    ".grid{display:flex;flex-wrap:wrap;gap:8px}.chart-title{font-size:12px;font-weight:bold}"
    ".tick,.legend{font-size:10px}.axis-label{font-size:11px}code{font-size:12px}";

// Marks the page once the browser has laid out every chart with a non-empty box (the report test
// reads it from headless Chromium's DOM).
const char* const kChartsRenderedScript =
    "<script>window.addEventListener('load',function(){var c=document.querySelectorAll('svg.chart'),n=0;"
    "c.forEach(function(s){var b=s.getBBox();if(b.width>0&&b.height>0)n++;});"
    "document.body.setAttribute('data-charts',c.length);document.body.setAttribute('data-charts-rendered',n);});"
    "</script>";

std::string base64(const std::vector<unsigned char>& bytes) {
  static const char* const kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t n = (static_cast<std::uint32_t>(bytes[i]) << 16) |
                            (i + 1 < bytes.size() ? static_cast<std::uint32_t>(bytes[i + 1]) << 8 : 0) |
                            (i + 2 < bytes.size() ? bytes[i + 2] : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::string html_headline_table(const Results& d, const std::vector<const StoredCondition*>& group) {
  const std::vector<std::string> names = headline_names(d, group);
  std::ostringstream out;
  out << "<table><tr><th>condition</th><th>kind</th><th>N</th>";
  for (const auto& n : names) out << "<th>" << svg::escape(n) << " [bootstrap 95%]</th>";
  out << "<th>img/s</th></tr>";
  for (const StoredCondition* c : group) {
    out << "<tr><td title=\"" << svg::escape(c->info.condition) << "\"><code>" << svg::escape(label(*c))
        << "</code></td><td>" << c->info.kind << "</td><td>" << c->samples << "</td>";
    for (const auto& n : names) {
      const StoredSummary* r = find_value(d, c->id, n);
      out << "<td>" << (r ? svg::escape(format_value(*r, true)) : "") << "</td>";
    }
    out << "<td>" << fixed(static_cast<double>(c->samples) / std::max(c->seconds, 1e-9), 1) << "</td></tr>";
  }
  out << "</table>";
  return out.str();
}

// A few of the prompts each text-prompt attack changed, before and after.
std::string prompt_examples(const std::vector<const StoredCondition*>& group) {
  std::ostringstream out;
  for (const StoredCondition* c : group) {
    if (!c->prompt_attack || c->prompt_attack->examples.empty()) continue;
    out << "<p>Prompts attacked by <code>" << svg::escape(label(*c)) << "</code> (" << c->prompt_attack->prompts_changed
        << " changed, at most " << c->prompt_attack->max_words_changed << " word(s)):</p><ul>";
    for (std::size_t i = 0; i < std::min<std::size_t>(5, c->prompt_attack->examples.size()); ++i)
      out << "<li>" << svg::escape(c->prompt_attack->examples[i].first) << " &rarr; "
          << svg::escape(c->prompt_attack->examples[i].second) << "</li>";
    out << "</ul>";
  }
  return out.str();
}

// One (model, dataset) group: the top-1 bar chart, the headline table, the attacked prompts.
std::string group_section(const Results& d, const std::vector<const StoredCondition*>& group) {
  const StoredCondition& first = *group.front();
  std::ostringstream out;
  out << "<h2>" << svg::escape(first.info.dataset) << " &mdash; " << svg::escape(model_name(first.info.model))
      << "</h2><p>model <code>" << svg::escape(first.info.model) << "</code>, sha256 <code>" << first.model_hash
      << "</code></p>";
  if (const std::string note = label_space_note(first); !note.empty()) out << "<p>" << svg::escape(note) << "</p>";
  std::vector<std::pair<std::string, double>> bars;
  for (const StoredCondition* c : group)
    if (std::optional<double> acc = top1(d, *c)) bars.emplace_back(label(*c), *acc);
  if (!bars.empty())
    out << svg::bar_chart({"top-1 accuracy per condition", {"top-1", 0, 1, svg::Scale::linear, true}, {}, 760, 120},
                          bars);
  out << html_headline_table(d, group) << prompt_examples(group);
  return out.str();
}

std::string audit_summary(const AuditedDataset& audited) {
  const OverlapAudit& a = audited.audit;
  const OverlapCounts& c = audited.counts;
  std::ostringstream out;
  out << "<h2>Contamination audit: " << svg::escape(a.dataset) << "</h2><p>" << svg::escape(audit_text(a, c)) << "</p>";
  std::vector<std::pair<std::string, double>> bars;
  for (const auto& [label, counts] : c.per_class)
    bars.emplace_back(class_name(a, label), static_cast<double>(counts.first) / static_cast<double>(counts.second));
  out << svg::bar_chart({"copy rate per class", {"copied", 0, 1, svg::Scale::linear, true}, {}, 760, 120}, bars);
  if (a.calibration) {
    std::vector<svg::Series> curves;
    for (const auto& [name, stage] :
         {std::pair{"embedding", &a.calibration->embedding}, std::pair{"verification", &a.calibration->verification}}) {
      svg::Series series{std::string(name) + " stage", {}, name == std::string("embedding")};
      for (const CurvePoint& p : stage->curve) series.points.emplace_back(p.recall, p.precision);
      if (!series.points.empty()) curves.push_back(std::move(series));
    }
    out << svg::line_chart({"calibration: precision against recall of " + std::to_string(a.calibration->copies) +
                                " planted copies (each point a threshold)",
                            {"recall", 0, 1, svg::Scale::linear, true},
                            {"precision", 0, 1, svg::Scale::linear, true}},
                           curves);
  }
  return out.str();
}

// The headline values split into overlapping and clean subsets, then every value in a fold-out.
std::string split_tables(const Results& d, const std::string& dataset) {
  std::ostringstream out;
  out << "<table><tr><th>model</th><th>condition</th><th>N overlapping</th><th>N clean</th><th>metric</th>"
         "<th>all</th><th>overlapping</th><th>clean</th><th>clean &minus; all</th></tr>";
  for (const SplitValue& v : split_values(d, dataset, true))
    out << "<tr><td>" << svg::escape(model_name(v.condition->info.model)) << "</td><td><code>"
        << svg::escape(label(*v.condition)) << "</code></td><td>" << subset_samples(d, *v.condition, "overlap_subset")
        << "</td><td>" << subset_samples(d, *v.condition, "clean_subset") << "</td><td>" << svg::escape(v.name)
        << "</td><td>" << split_cell(v.all) << "</td><td>" << split_cell(v.overlap) << "</td><td>"
        << split_cell(v.clean) << "</td><td>" << split_difference(v) << "</td></tr>";
  out << "</table><details><summary>every metric, split</summary><table><tr><th>condition</th><th>metric</th>"
         "<th>all</th><th>overlapping</th><th>clean</th><th>clean &minus; all</th></tr>";
  for (const SplitValue& v : split_values(d, dataset, false))
    out << "<tr><td><code>" << svg::escape(label(*v.condition)) << "</code></td><td>" << svg::escape(v.name)
        << "</td><td>" << split_cell(v.all) << "</td><td>" << split_cell(v.overlap) << "</td><td>"
        << split_cell(v.clean) << "</td><td>" << split_difference(v) << "</td></tr>";
  out << "</table></details>";
  return out.str();
}

const std::vector<OverlapPair>& pairs_of(const Results& d, const std::string& dataset) {
  static const std::vector<OverlapPair> none;
  auto it = d.pairs.find(dataset);
  return it == d.pairs.end() ? none : it->second;
}

std::string closest_pairs(const Results& d, const OverlapAudit& a) {
  std::ostringstream out;
  out << "<h3>Copies found (evaluation image | pre-training image), then the closest pairs not flagged</h3>"
         "<div class=\"grid\">";
  for (const OverlapPair& p : pairs_of(d, a.dataset)) {
    out << "<figure style=\"margin:4px\">";
    for (const auto* png : {&p.query_png, &p.neighbour_png})
      if (!png->empty()) out << "<img alt=\"\" src=\"data:image/png;base64," << base64(*png) << "\"> ";
    out << "<figcaption style=\"font-size:10px\">" << svg::escape(p.status == "none" ? "not a copy" : p.status)
        << "<br>cosine " << fixed(p.similarity, 4) << ", pixels "
        << (p.verification ? fixed(*p.verification, 4) : std::string("not read")) << "<br>" << svg::escape(p.sample_id)
        << "<br>" << svg::escape(p.neighbour_id)
        << (p.neighbour_caption.empty() ? "" : "<br>" + svg::escape(p.neighbour_caption)) << "</figcaption></figure>";
  }
  out << "</div>";
  return out.str();
}

std::string html_scope_table(const Results& d, const std::string& scope, const std::string& title) {
  std::ostringstream out;
  out << "<h2>" << title << "</h2><table><tr><th>metric</th><th>model</th><th>dataset</th><th>condition</th>"
      << "<th>name</th><th>value</th></tr>";
  for (const StoredSummary& r : d.rows)
    if (r.scope == scope)
      out << "<tr><td><code>" << svg::escape(r.metric) << "</code></td><td title=\"" << svg::escape(r.info.model)
          << "\">" << svg::escape(model_name(r.info.model)) << "</td><td>" << svg::escape(r.info.dataset)
          << "</td><td><code>" << svg::escape(r.info.condition) << "</code></td><td>" << svg::escape(r.value.name)
          << "</td><td>" << format_value(r, false) << "</td></tr>";
  out << "</table>";
  return out.str();
}

}  // namespace

std::string html_report(const Results& d) {
  std::ostringstream out;
  out << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>RoZ report</title><style>" << kStyle
      << "</style></head><body><h1>RoZ report</h1><p>seed " << svg::escape(run_meta(d, "seed")) << ", roz "
      << svg::escape(run_meta(d, "roz_version")) << ", config <code>" << svg::escape(run_meta(d, "config_source"))
      << "</code></p>";
  if (!d.warnings.empty()) {
    out << "<h2>Warnings</h2><ul>";
    for (const std::string& w : d.warnings) out << "<li>" << svg::escape(w) << "</li>";
    out << "</ul>";
  }
  if (!d.unfinished.empty()) {
    out << "<h2>Did not finish</h2><ul>";
    for (const StoredCondition& c : d.unfinished) out << "<li>" << svg::escape(unfinished_line(c)) << "</li>";
    out << "</ul>";
  }
  std::vector<std::string> datasets_done;  // a dataset's charts follow its first group
  for (const auto& group : model_dataset_groups(d)) {
    out << group_section(d, group);
    const std::string& dataset = group.front()->info.dataset;
    if (std::find(datasets_done.begin(), datasets_done.end(), dataset) != datasets_done.end()) continue;
    datasets_done.push_back(dataset);
    out << dataset_charts(d, dataset);
  }
  for (const AuditedDataset& audited : d.audits)
    out << audit_summary(audited) << split_tables(d, audited.audit.dataset) << closest_pairs(d, audited.audit);
  const std::string robustness = effective_robustness_charts(d);
  if (!robustness.empty()) out << "<h2>Effective robustness</h2>" << robustness;
  out << html_scope_table(d, "across_conditions", "Across conditions")
      << html_scope_table(d, "across_models", "Across models") << kChartsRenderedScript << "</body></html>\n";
  return out.str();
}

}  // namespace roz::core

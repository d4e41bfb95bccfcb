#include "report/report_writers.hpp"

#include <algorithm>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "roz/core/attack_sanity.hpp"
#include "roz/core/csv.hpp"
#include "roz/core/metric_display.hpp"
#include "roz/core/prompt_attack_json.hpp"
#include "roz/core/svg_chart.hpp"
#include "roz/error.hpp"
#include "roz/spec.hpp"

namespace roz::core {

namespace {

using nlohmann::json;

// Headline per-condition values, in table order; every value is in summary.csv and report.json.
const char* const kHeadline[] = {"top1", "top5", "robust_accuracy", "attack_success_rate", "typographic_success_rate",
                                 "ece",  "nll"};

const StoredSummary* find_value(const ReportData& d, std::int64_t condition_id, const std::string& name,
                                const std::string& scope = "condition") {
  for (const StoredSummary& r : d.rows)
    if (r.scope == scope && r.condition_id == condition_id && r.value.name == name) return &r;
  return nullptr;
}

std::optional<double> top1(const ReportData& d, const StoredCondition& c) {
  const StoredSummary* r = find_value(d, c.id, "top1");
  return r ? std::optional(r->value.value) : std::nullopt;
}

// (model, dataset) groups of conditions, in the order they were run.
std::vector<std::vector<const StoredCondition*>> groups(const ReportData& d) {
  std::vector<std::vector<const StoredCondition*>> out;
  for (const StoredCondition& c : d.conditions) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& g) {
      return g.front()->info.model == c.info.model && g.front()->info.dataset == c.info.dataset;
    });
    if (it == out.end())
      out.push_back({&c});
    else
      it->push_back(&c);
  }
  return out;
}

std::string attribute(const StoredCondition& c, const std::string& key) {
  auto it = c.info.attributes.find(key);
  return it == c.info.attributes.end() ? "" : it->second;
}

// The condition as the config wrote it (the resolved spec is in the tooltip and the data files).
std::string label(const StoredCondition& c) {
  const std::string written = attribute(c, "label");
  return written.empty() ? c.info.condition : written;
}

// A model spec's plugin name, e.g. "mini_clip" for "mini_clip:weights=default,...".
std::string model_name(const std::string& spec) {
  return spec.substr(0, spec.find(':'));
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

std::string format_value(const StoredSummary& r, bool with_interval) {
  auto shown = [&](double v) { return format_metric_value(r.value.name, v); };
  std::string text = shown(r.value.value);
  if (with_interval && r.boot_low) text += " [" + shown(*r.boot_low) + ", " + shown(*r.boot_high) + "]";
  return text;
}

std::string optional_number(const std::optional<double>& v) {
  return v ? format_number(*v) : "";
}

std::string headline_table_markdown(const ReportData& d, const std::vector<const StoredCondition*>& group) {
  std::vector<std::string> names;
  for (const char* n : kHeadline)
    for (const StoredCondition* c : group)
      if (find_value(d, c->id, n) && std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
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

std::string scope_table_markdown(const ReportData& d, const std::string& scope) {
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

std::string html_table(const ReportData& d, const std::vector<const StoredCondition*>& group) {
  std::vector<std::string> names;
  for (const char* n : kHeadline)
    for (const StoredCondition* c : group)
      if (find_value(d, c->id, n) && std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
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

std::string charts_for_dataset(const ReportData& d, const std::string& dataset) {
  std::vector<const StoredCondition*> in_dataset;
  for (const StoredCondition& c : d.conditions)
    if (c.info.dataset == dataset) in_dataset.push_back(&c);
  std::map<std::string, std::optional<double>> clean;  // per model
  for (const StoredCondition* c : in_dataset)
    if (c->info.kind == "clean") clean[c->info.model] = top1(d, *c);
  std::ostringstream out;

  // Accuracy vs severity, one chart per corruption, one line per model (severity 0: clean).
  std::map<std::string, std::map<std::string, svg::Series>> corruption;
  for (const StoredCondition* c : in_dataset) {
    const std::string severity = attribute(*c, "severity");
    const std::optional<double> acc = top1(d, *c);
    if (c->info.kind != "corruption" || severity.empty() || !acc) continue;
    svg::Series& s = corruption[attribute(*c, "corruption")][c->info.model];
    if (s.points.empty() && clean[c->info.model]) s.points.emplace_back(0, *clean[c->info.model]);
    s.name = model_name(c->info.model);
    s.points.emplace_back(std::stod(severity), *acc);
  }
  if (!corruption.empty()) out << "<h3>Accuracy vs severity</h3><div class=\"grid\">";
  for (auto& [name, by_model] : corruption) {
    std::vector<svg::Series> series;
    for (auto& [model, s] : by_model) series.push_back(s);
    out << svg::line_chart({name, {"severity (0 = clean)", 0, 5}, {"top-1", 0, 1, svg::Scale::linear, true}, 300, 200},
                           series);
  }
  if (!corruption.empty()) out << "</div>";

  // Robust accuracy vs eps, one line per attack family and model.
  std::map<std::string, svg::Series> attacks;
  double largest = 0;
  for (const StoredCondition* c : in_dataset) {
    const std::string eps = attribute(*c, "eps");
    const std::optional<double> acc = top1(d, *c);
    double value = 0;
    if (c->info.kind != "attack" || eps.empty() || !acc || !parse_number(eps, value)) continue;
    svg::Series& s = attacks[attack_family(c->info.condition) + " / " + c->info.model];
    s.name = attack_family(label(*c));
    if (s.points.empty() && clean[c->info.model]) s.points.emplace_back(0, *clean[c->info.model]);
    s.points.emplace_back(value * 255, *acc);
    largest = std::max(largest, value * 255);
  }
  if (!attacks.empty()) {
    std::vector<svg::Series> series;
    for (auto& [key, s] : attacks) {
      std::sort(s.points.begin(), s.points.end());
      series.push_back(s);
    }
    out << "<h3>Robust accuracy vs eps</h3>"
        << svg::line_chart({"robust accuracy vs eps",
                            {"eps (x 1/255)", 0, std::max(largest, 1.0)},
                            {"top-1 under attack", 0, 1, svg::Scale::linear, true},
                            520,
                            300},
                           series);
  }

  // Reliability diagrams from the calibration metric's bins, for clean conditions.
  for (const StoredCondition* c : in_dataset) {
    if (c->info.kind != "clean") continue;
    svg::Series observed{"accuracy", {}, false}, ideal{"perfect calibration", {{0, 0}, {1, 1}}, true};
    for (int bin = 0; bin < 100; ++bin) {
      const StoredSummary* conf = find_value(d, c->id, "bin" + std::to_string(bin) + "_confidence");
      const StoredSummary* acc = find_value(d, c->id, "bin" + std::to_string(bin) + "_accuracy");
      if (conf && acc) observed.points.emplace_back(conf->value.value, acc->value.value);
    }
    if (observed.points.empty()) continue;
    out << "<h3>Reliability</h3>"
        << svg::line_chart({"reliability: " + model_name(c->info.model),
                            {"confidence", 0, 1, svg::Scale::linear, true},
                            {"accuracy", 0, 1, svg::Scale::linear, true},
                            320,
                            260},
                           {observed, ideal});
  }
  return out.str();
}

// Effective robustness: each shift dataset's clean accuracy against the in-distribution one, per
// model, on logit axes, with the fit the effective_robustness metric used.
std::string effective_robustness_charts(const ReportData& d) {
  std::map<std::string, std::optional<double>> id_accuracy;
  for (const StoredCondition& c : d.conditions)
    if (c.info.kind == "clean" && attribute(c, "role") == "in_distribution") id_accuracy[c.info.model] = top1(d, c);
  std::ostringstream out;
  std::map<std::string, svg::Series> by_dataset;
  for (const StoredCondition& c : d.conditions) {
    const std::optional<double> acc = top1(d, c);
    if (c.info.kind != "clean" || attribute(c, "role") != "shift" || !acc || !id_accuracy[c.info.model]) continue;
    svg::Series& s = by_dataset[c.info.dataset];
    s.name = "models";
    s.points.emplace_back(*id_accuracy[c.info.model], *acc);
  }
  for (const auto& [dataset, series] : by_dataset) {
    std::optional<std::pair<double, double>> fit;
    std::optional<double> slope, intercept;
    for (const StoredSummary& r : d.rows)
      if (r.scope == "across_models" && r.info.dataset == dataset) {
        if (r.value.name == "fit_slope") slope = r.value.value;
        if (r.value.name == "fit_intercept") intercept = r.value.value;
      }
    if (slope && intercept) fit = std::make_pair(*slope, *intercept);
    out << svg::scatter_chart({"effective robustness: " + dataset,
                               {"in-distribution top-1", 0.01, 0.99, svg::Scale::logit, true},
                               {dataset + " top-1", 0.01, 0.99, svg::Scale::logit, true},
                               380,
                               300},
                              {series}, fit);
  }
  return out.str();
}

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

std::string percent(std::int64_t part, std::int64_t whole) {
  return whole == 0 ? "" : fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole), 2) + "%";
}

// One contamination-corrected row: a value on all samples, the overlapping and the clean subset.
struct SplitValue {
  const StoredCondition* condition;
  std::string name;
  const StoredSummary *all, *overlap, *clean;
};

std::vector<SplitValue> split_values(const ReportData& d, const std::string& dataset, bool headline_only) {
  std::vector<SplitValue> out;
  for (const StoredCondition& c : d.conditions) {
    if (c.info.dataset != dataset) continue;
    std::vector<std::string> names;
    for (const StoredSummary& r : d.rows)
      if (r.scope == "clean_subset" && r.condition_id == c.id && r.value.name != "samples" &&
          std::find(names.begin(), names.end(), r.value.name) == names.end())
        names.push_back(r.value.name);
    for (const std::string& name : names) {
      if (headline_only && std::find(std::begin(kHeadline), std::end(kHeadline), name) == std::end(kHeadline)) continue;
      out.push_back({&c, name, find_value(d, c.id, name), find_value(d, c.id, name, "overlap_subset"),
                     find_value(d, c.id, name, "clean_subset")});
    }
  }
  return out;
}

std::string split_cell(const StoredSummary* r) {
  return r ? format_value(*r, false) : "";
}

std::string split_difference(const SplitValue& v) {
  if (!v.all || !v.clean) return "";
  StoredSummary diff = *v.clean;
  diff.value.value = v.clean->value.value - v.all->value.value;
  const std::string text = format_value(diff, false);
  return diff.value.value > 0 ? "+" + text : text;
}

std::int64_t subset_samples(const ReportData& d, const StoredCondition& c, const std::string& scope) {
  const StoredSummary* r = find_value(d, c.id, "samples", scope);
  return r ? static_cast<std::int64_t>(r->value.value) : 0;
}

std::string overlap_markdown(const ReportData& d) {
  std::ostringstream out;
  for (const AuditedDataset& audited : d.audits) {
    const OverlapAudit& a = audited.audit;
    const OverlapCounts& c = audited.counts;
    out << "\n## Contamination audit: " << a.dataset << "\n\n"
        << a.samples << " images against `" << a.index << "` (`" << a.factory << "`, " << a.index_vectors
        << " vectors), embedded by `" << a.model << "`; k = " << a.k << ", " << a.search << ". Exact duplicates "
        << "(cosine >= " << a.thresholds.exact << "): " << c.exact << " (" << percent(c.exact, a.samples)
        << "); near duplicates (>= " << a.thresholds.near << "): " << c.near << " (" << percent(c.near, a.samples)
        << ").\n\n| class | overlapping | of | rate |\n|---|---:|---:|---:|\n";
    for (const auto& [label, counts] : c.per_class)
      out << "| " << class_name(a, label) << " | " << counts.first << " | " << counts.second << " | "
          << percent(counts.first, counts.second) << " |\n";
    out << "\nEvery metric on all samples, on the overlapping and on the clean subset (clean - all is the "
           "correction):\n\n| model | condition | metric | all | overlapping | clean | clean - all |\n"
           "|---|---|---|---:|---:|---:|---:|\n";
    for (const SplitValue& v : split_values(d, a.dataset, false))
      out << "| " << model_name(v.condition->info.model) << " | `" << label(*v.condition) << "` | " << v.name << " | "
          << split_cell(v.all) << " | " << split_cell(v.overlap) << " | " << split_cell(v.clean) << " | "
          << split_difference(v) << " |\n";
  }
  return out.str();
}

std::string overlap_html(const ReportData& d) {
  std::ostringstream out;
  for (const AuditedDataset& audited : d.audits) {
    const OverlapAudit& a = audited.audit;
    const OverlapCounts& c = audited.counts;
    out << "<h2>Contamination audit: " << svg::escape(a.dataset) << "</h2><p>" << a.samples << " images against <code>"
        << svg::escape(a.index) << "</code> (<code>" << svg::escape(a.factory) << "</code>, " << a.index_vectors
        << " vectors), embedded by <code>" << svg::escape(a.model) << "</code>; k = " << a.k << ", "
        << svg::escape(a.search) << ", " << a.ranks << " rank(s). Exact duplicates (cosine &ge; "
        << format_number(a.thresholds.exact) << "): <b>" << c.exact << "</b> (" << percent(c.exact, a.samples)
        << "); near duplicates (&ge; " << format_number(a.thresholds.near) << "): <b>" << c.near << "</b> ("
        << percent(c.near, a.samples) << ").</p>";
    std::vector<std::pair<std::string, double>> bars;
    for (const auto& [label, counts] : c.per_class)
      bars.emplace_back(class_name(a, label), static_cast<double>(counts.first) / static_cast<double>(counts.second));
    out << svg::bar_chart({"overlap rate per class", {"overlapping", 0, 1, svg::Scale::linear, true}, {}, 760, 120},
                          bars);
    out << "<table><tr><th>model</th><th>condition</th><th>N overlapping</th><th>N "
           "clean</th><th>metric</th><th>all</th>"
           "<th>overlapping</th><th>clean</th><th>clean &minus; all</th></tr>";
    for (const SplitValue& v : split_values(d, a.dataset, true))
      out << "<tr><td>" << svg::escape(model_name(v.condition->info.model)) << "</td><td><code>"
          << svg::escape(label(*v.condition)) << "</code></td><td>" << subset_samples(d, *v.condition, "overlap_subset")
          << "</td><td>" << subset_samples(d, *v.condition, "clean_subset") << "</td><td>" << svg::escape(v.name)
          << "</td><td>" << split_cell(v.all) << "</td><td>" << split_cell(v.overlap) << "</td><td>"
          << split_cell(v.clean) << "</td><td>" << split_difference(v) << "</td></tr>";
    out << "</table><details><summary>every metric, split</summary><table><tr><th>condition</th><th>metric</th>"
           "<th>all</th><th>overlapping</th><th>clean</th><th>clean &minus; all</th></tr>";
    for (const SplitValue& v : split_values(d, a.dataset, false))
      out << "<tr><td><code>" << svg::escape(label(*v.condition)) << "</code></td><td>" << svg::escape(v.name)
          << "</td><td>" << split_cell(v.all) << "</td><td>" << split_cell(v.overlap) << "</td><td>"
          << split_cell(v.clean) << "</td><td>" << split_difference(v) << "</td></tr>";
    out << "</table></details><h3>Closest pairs (evaluation image, nearest pre-training item)</h3><div class=\"grid\">";
    for (const OverlapPair& p : d.store.overlap_pairs(a.dataset)) {
      out << "<figure style=\"margin:4px\">";
      for (const auto* png : {&p.query_png, &p.neighbour_png})
        if (!png->empty()) out << "<img alt=\"\" src=\"data:image/png;base64," << base64(*png) << "\"> ";
      out << "<figcaption style=\"font-size:10px\">" << fixed(p.similarity, 4) << " "
          << svg::escape(overlap_class(p.similarity, a.thresholds)) << "<br>" << svg::escape(p.sample_id) << "<br>"
          << svg::escape(p.neighbour_id)
          << (p.neighbour_caption.empty() ? "" : "<br>" + svg::escape(p.neighbour_caption)) << "</figcaption></figure>";
    }
    out << "</div>";
  }
  return out.str();
}

}  // namespace

std::string json_report(const ReportData& d) {
  json run = json::object();
  for (const char* key : {"config", "config_source", "seed", "shard", "roz_version"})
    if (std::optional<std::string> v = d.store.meta(key)) run[key] = *v;
  json conditions = json::array();
  for (const StoredCondition& c : d.conditions) {
    json metrics = json::object();
    for (const StoredSummary& r : d.rows) {
      if (r.scope != "condition" || r.condition_id != c.id) continue;
      json v{{"value", r.value.value}, {"metric", r.metric}};
      if (r.value.ci_low) v["ci95"] = {*r.value.ci_low, *r.value.ci_high};
      if (r.boot_low) v["bootstrap95"] = {*r.boot_low, *r.boot_high};
      metrics[r.value.name] = v;
    }
    json entry{{"model", c.info.model},
               {"model_sha256", c.model_hash},
               {"model_version", c.model_version},
               {"dataset", c.info.dataset},
               {"condition", c.info.condition},
               {"kind", c.info.kind},
               {"plugin_version", c.plugin_version},
               {"attributes", c.info.attributes},
               {"samples", c.samples},
               {"skipped", c.skipped},
               {"unreadable", c.unreadable},
               {"gradient_evaluations", c.gradient_evaluations},
               {"queries", c.queries},
               {"seconds", c.seconds},
               {"metrics", metrics}};
    if (c.prompt_attack) entry["prompt_attack"] = prompt_attack_json(*c.prompt_attack);
    conditions.push_back(entry);
  }
  json summaries = json::array();
  for (const StoredSummary& r : d.rows) {
    if (r.scope == "condition") continue;
    json row{{"scope", r.scope},
             {"metric", r.metric},
             {"model", r.info.model},
             {"dataset", r.info.dataset},
             {"condition", r.info.condition},
             {"kind", r.info.kind},
             {"name", r.value.name},
             {"value", r.value.value}};
    if (r.value.ci_low) row["ci95"] = {*r.value.ci_low, *r.value.ci_high};
    summaries.push_back(row);
  }
  return json{{"run", run}, {"conditions", conditions}, {"summaries", summaries}, {"warnings", d.warnings}}.dump(2) +
         "\n";
}

std::string csv_report(const ReportData& d) {
  std::ostringstream out;
  out << "scope,metric,model,dataset,condition,kind,name,value,ci_low,ci_high,boot_low,boot_high\n";
  for (const StoredSummary& r : d.rows)
    out << csv_field(r.scope) << "," << csv_field(r.metric) << "," << csv_field(r.info.model) << ","
        << csv_field(r.info.dataset) << "," << csv_field(r.info.condition) << "," << csv_field(r.info.kind) << ","
        << csv_field(r.value.name) << "," << format_number(r.value.value) << "," << optional_number(r.value.ci_low)
        << "," << optional_number(r.value.ci_high) << "," << optional_number(r.boot_low) << ","
        << optional_number(r.boot_high) << "\n";
  return out.str();
}

std::string markdown_report(const ReportData& d) {
  std::ostringstream out;
  out << "# RoZ report\n\nResults store `" << d.store.file().string() << "`, seed "
      << d.store.meta("seed").value_or("?") << ", roz " << d.store.meta("roz_version").value_or("?")
      << ". Shares in %, bootstrap 95% intervals in brackets; every value is in `summary.csv`.\n";
  for (const auto& group : groups(d)) {
    out << "\n## " << group.front()->info.dataset << " — " << model_name(group.front()->info.model) << "\n\nmodel `"
        << group.front()->info.model << "`, sha256 `" << group.front()->model_hash << "`\n\n"
        << headline_table_markdown(d, group);
  }
  out << overlap_markdown(d);
  out << "\n## Across conditions\n\n" << scope_table_markdown(d, "across_conditions");
  out << "\n## Across models\n\n" << scope_table_markdown(d, "across_models");
  if (!d.warnings.empty()) {
    out << "\n## Warnings\n\n";
    for (const std::string& w : d.warnings) out << "- " << w << "\n";
  }
  return out.str();
}

std::string html_report(const ReportData& d) {
  std::ostringstream out;
  out << "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>RoZ report</title><style>"
         "body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}"
         "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}td:nth-child(n+3){text-align:right}"
         ".grid{display:flex;flex-wrap:wrap;gap:8px}.chart-title{font-size:12px;font-weight:bold}"
         ".tick,.legend{font-size:10px}.axis-label{font-size:11px}code{font-size:12px}</style></head><body>"
      << "<h1>RoZ report</h1><p>seed " << svg::escape(d.store.meta("seed").value_or("?")) << ", roz "
      << svg::escape(d.store.meta("roz_version").value_or("?")) << ", config <code>"
      << svg::escape(d.store.meta("config_source").value_or("?")) << "</code></p>";
  if (!d.warnings.empty()) {
    out << "<h2>Warnings</h2><ul>";
    for (const std::string& w : d.warnings) out << "<li>" << svg::escape(w) << "</li>";
    out << "</ul>";
  }
  std::vector<std::string> datasets_done;
  for (const auto& group : groups(d)) {
    const StoredCondition& first = *group.front();
    out << "<h2>" << svg::escape(first.info.dataset) << " &mdash; " << svg::escape(model_name(first.info.model))
        << "</h2><p>model <code>" << svg::escape(first.info.model) << "</code>, sha256 <code>" << first.model_hash
        << "</code></p>";
    std::vector<std::pair<std::string, double>> bars;
    for (const StoredCondition* c : group)
      if (std::optional<double> acc = top1(d, *c)) bars.emplace_back(label(*c), *acc);
    out << svg::bar_chart({"top-1 accuracy per condition", {"top-1", 0, 1, svg::Scale::linear, true}, {}, 760, 120},
                          bars)
        << html_table(d, group);
    for (const StoredCondition* c : group)
      if (c->prompt_attack && !c->prompt_attack->examples.empty()) {
        out << "<p>Prompts attacked by <code>" << svg::escape(label(*c)) << "</code> ("
            << c->prompt_attack->prompts_changed << " changed, at most " << c->prompt_attack->max_words_changed
            << " word(s)):</p><ul>";
        for (std::size_t i = 0; i < std::min<std::size_t>(5, c->prompt_attack->examples.size()); ++i)
          out << "<li>" << svg::escape(c->prompt_attack->examples[i].first) << " &rarr; "
              << svg::escape(c->prompt_attack->examples[i].second) << "</li>";
        out << "</ul>";
      }
    if (std::find(datasets_done.begin(), datasets_done.end(), first.info.dataset) == datasets_done.end()) {
      datasets_done.push_back(first.info.dataset);
      out << charts_for_dataset(d, first.info.dataset);
    }
  }
  out << overlap_html(d);
  const std::string robustness = effective_robustness_charts(d);
  if (!robustness.empty()) out << "<h2>Effective robustness</h2>" << robustness;
  for (const char* scope : {"across_conditions", "across_models"}) {
    out << "<h2>" << (std::string(scope) == "across_conditions" ? "Across conditions" : "Across models")
        << "</h2><table><tr><th>metric</th><th>model</th><th>dataset</th><th>condition</th><th>name</th><th>value</"
           "th></tr>";
    for (const StoredSummary& r : d.rows)
      if (r.scope == scope)
        out << "<tr><td><code>" << svg::escape(r.metric) << "</code></td><td title=\"" << svg::escape(r.info.model)
            << "\">" << svg::escape(model_name(r.info.model)) << "</td><td>" << svg::escape(r.info.dataset)
            << "</td><td><code>" << svg::escape(r.info.condition) << "</code></td><td>" << svg::escape(r.value.name)
            << "</td><td>" << format_value(r, false) << "</td></tr>";
    out << "</table>";
  }
  // Marks the page once the browser has laid out every chart with a non-empty box (the report test
  // reads it from headless Chromium's DOM).
  out << "<script>window.addEventListener('load',function(){var c=document.querySelectorAll('svg.chart'),n=0;"
         "c.forEach(function(s){var b=s.getBBox();if(b.width>0&&b.height>0)n++;});"
         "document.body.setAttribute('data-charts',c.length);document.body.setAttribute('data-charts-rendered',n);});"
         "</script></body></html>\n";
  return out.str();
}

}  // namespace roz::core

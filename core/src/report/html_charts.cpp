#include "report/html_charts.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>

#include "roz/core/attack_sanity.hpp"
#include "roz/core/svg_chart.hpp"
#include "roz/protocol.hpp"
#include "roz/spec.hpp"

namespace roz::core {

namespace {

using Conditions = std::vector<const StoredCondition*>;
using CleanAccuracy = std::map<std::string, std::optional<double>>;  // per model

std::string corruption_charts(const Results& d, const Conditions& in_dataset, CleanAccuracy& clean) {
  std::map<std::string, std::map<std::string, svg::Series>> corruption;  // corruption -> model -> line
  for (const StoredCondition* c : in_dataset) {
    const std::string severity = attribute(*c, protocol::attribute::severity);
    const std::optional<double> acc = top1(d, *c);
    if (c->info.kind != protocol::kind::corruption || severity.empty() || !acc) continue;
    svg::Series& s = corruption[attribute(*c, protocol::attribute::corruption)][c->info.model];
    if (s.points.empty() && clean[c->info.model]) s.points.emplace_back(0, *clean[c->info.model]);
    s.name = model_name(c->info.model);
    s.points.emplace_back(std::stod(severity), *acc);
  }
  if (corruption.empty()) return "";
  std::ostringstream out;
  out << "<h3>Accuracy vs severity</h3><div class=\"grid\">";
  for (auto& [name, by_model] : corruption) {
    std::vector<svg::Series> series;
    for (auto& [model, s] : by_model) series.push_back(s);
    out << svg::line_chart({name, {"severity (0 = clean)", 0, 5}, {"top-1", 0, 1, svg::Scale::linear, true}, 300, 200},
                           series);
  }
  out << "</div>";
  return out.str();
}

std::string attack_chart(const Results& d, const Conditions& in_dataset, CleanAccuracy& clean) {
  std::map<std::string, svg::Series> attacks;  // "family / model" -> line
  double largest = 0;
  for (const StoredCondition* c : in_dataset) {
    const std::string eps = attribute(*c, protocol::attribute::eps);
    const std::optional<double> acc = top1(d, *c);
    double value = 0;
    if (c->info.kind != protocol::kind::attack || eps.empty() || !acc || !parse_number(eps, value)) continue;
    svg::Series& s = attacks[attack_family(c->info.condition) + " / " + c->info.model];
    s.name = attack_family(label(*c));
    if (s.points.empty() && clean[c->info.model]) s.points.emplace_back(0, *clean[c->info.model]);
    s.points.emplace_back(value * 255, *acc);
    largest = std::max(largest, value * 255);
  }
  if (attacks.empty()) return "";
  std::vector<svg::Series> series;
  for (auto& [key, s] : attacks) {
    std::sort(s.points.begin(), s.points.end());
    series.push_back(s);
  }
  return "<h3>Robust accuracy vs eps</h3>" + svg::line_chart({"robust accuracy vs eps",
                                                              {"eps (x 1/255)", 0, std::max(largest, 1.0)},
                                                              {"top-1 under attack", 0, 1, svg::Scale::linear, true},
                                                              520,
                                                              300},
                                                             series);
}

// Reliability diagrams from the calibration metric's bins, for clean conditions.
std::string reliability_charts(const Results& d, const Conditions& in_dataset) {
  std::ostringstream out;
  for (const StoredCondition* c : in_dataset) {
    if (c->info.kind != protocol::kind::clean) continue;
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

}  // namespace

std::string dataset_charts(const Results& d, const std::string& dataset) {
  Conditions in_dataset;
  for (const StoredCondition& c : d.conditions)
    if (c.info.dataset == dataset) in_dataset.push_back(&c);
  CleanAccuracy clean;
  for (const StoredCondition* c : in_dataset)
    if (c->info.kind == protocol::kind::clean) clean[c->info.model] = top1(d, *c);
  return corruption_charts(d, in_dataset, clean) + attack_chart(d, in_dataset, clean) +
         reliability_charts(d, in_dataset);
}

std::string effective_robustness_charts(const Results& d) {
  // The accuracies effective_robustness related (in-distribution top-1 restricted to the shift's
  // classes, pm-0 for the video sets): its id_top1 and shift_top1 per (dataset, model).
  std::map<std::string, std::map<std::string, std::pair<std::optional<double>, std::optional<double>>>> used;
  for (const StoredSummary& r : d.rows)
    if (r.scope == "across_models" && r.metric.rfind("effective_robustness", 0) == 0) {
      if (r.value.name == "id_top1") used[r.info.dataset][r.info.model].first = r.value.value;
      if (r.value.name == "shift_top1") used[r.info.dataset][r.info.model].second = r.value.value;
    }
  std::ostringstream out;
  std::map<std::string, svg::Series> by_dataset;
  for (const auto& [dataset, models] : used)
    for (const auto& [model, accuracies] : models)
      if (accuracies.first && accuracies.second) {
        svg::Series& s = by_dataset[dataset];
        s.name = "models";
        s.points.emplace_back(*accuracies.first, *accuracies.second);
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

}  // namespace roz::core

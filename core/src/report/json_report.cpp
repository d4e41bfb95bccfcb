#include <nlohmann/json.hpp>

#include <cmath>

#include "report/report_writers.hpp"
#include "roz/core/prompt_attack_json.hpp"

namespace roz::core {

namespace {

using nlohmann::json;

// JSON has no infinity: a non-finite value (a median minimal budget when most points were never
// fooled) is written as the string "inf", "-inf" or "nan", which Python's float() reads back.
json number(double v) {
  if (std::isfinite(v)) return v;
  return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

json condition_json(const Results& d, const StoredCondition& c) {
  json metrics = json::object();
  for (const StoredSummary& r : d.rows) {
    if (r.scope != "condition" || r.condition_id != c.id) continue;
    json v{{"value", number(r.value.value)}, {"unit", to_string(r.value.unit)}, {"metric", r.metric}};
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
  return entry;
}

// A row that summarises more than one stored condition (across conditions, across models) or a
// subset of one (the contamination split).
json summary_json(const StoredSummary& r) {
  json row{{"scope", r.scope},
           {"metric", r.metric},
           {"model", r.info.model},
           {"dataset", r.info.dataset},
           {"condition", r.info.condition},
           {"kind", r.info.kind},
           {"name", r.value.name},
           {"value", number(r.value.value)},
           {"unit", to_string(r.value.unit)}};
  if (r.value.ci_low) row["ci95"] = {*r.value.ci_low, *r.value.ci_high};
  return row;
}

}  // namespace

std::string json_report(const Results& d) {
  json run = json::object();
  for (const auto& [key, value] : d.run) run[key] = value;
  json conditions = json::array();
  for (const StoredCondition& c : d.conditions) conditions.push_back(condition_json(d, c));
  json unfinished = json::array();
  for (const StoredCondition& c : d.unfinished) {
    json entry = condition_json(d, c);
    entry["status"] = c.status;
    if (!c.error.empty()) entry["error"] = c.error;
    unfinished.push_back(std::move(entry));
  }
  json summaries = json::array();
  for (const StoredSummary& r : d.rows)
    if (r.scope != "condition") summaries.push_back(summary_json(r));
  return json{{"run", run},
              {"conditions", conditions},
              {"unfinished", unfinished},
              {"summaries", summaries},
              {"warnings", d.warnings}}
             .dump(2) +
         "\n";
}

}  // namespace roz::core

#include "roz/core/report.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "report/report_writers.hpp"
#include "roz/core/atomic_file.hpp"
#include "roz/core/attack_sanity.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/results_store.hpp"
#include "roz/error.hpp"
#include "roz/metric.hpp"
#include "roz/seed.hpp"

namespace roz::core {

namespace {

// The built-in metrics, in report order; `roz run` uses those installed when its config names none.
const char* const kDefaultMetrics[] = {"accuracy:top_k=[1,5]", "attack_success",     "calibration",
                                       "ood_detection",        "corruption_error",   "effective_robustness",
                                       "anchor_accuracy",      "embedding_stability"};

bool same_cell(const ConditionInfo& a, const ConditionInfo& b) {
  return a.model == b.model && a.dataset == b.dataset && a.condition == b.condition;
}

std::vector<MetricValue> accumulate(Metric& metric, const ConditionInfo& info, const std::vector<SampleRecord>& records,
                                    const std::vector<std::size_t>* rows) {
  std::unique_ptr<MetricAccumulator> acc = metric.accumulate(info);
  if (rows == nullptr)
    for (const SampleRecord& r : records) acc->add(r);
  else
    for (std::size_t i : *rows) acc->add(records[i]);
  return acc->finish();
}

double percentile(std::vector<double>& values, double q) {
  std::sort(values.begin(), values.end());
  const double position = q * static_cast<double>(values.size() - 1);
  const auto low = static_cast<std::size_t>(position);
  const std::size_t high = std::min(low + 1, values.size() - 1);
  return values[low] + (values[high] - values[low]) * (position - static_cast<double>(low));
}

// Percentile bootstrap: the metric recomputed on `resamples` draws of the records with replacement,
// seeded by (run seed, condition, draw), so the interval is reproducible.
std::map<std::string, std::pair<double, double>> bootstrap(Metric& metric, const StoredCondition& c,
                                                           const std::vector<SampleRecord>& records, int resamples,
                                                           std::uint64_t seed) {
  std::map<std::string, std::vector<double>> draws;
  std::vector<std::size_t> rows(records.size());
  for (int b = 0; b < resamples; ++b) {
    std::mt19937_64 rng(derive_seed(seed, "bootstrap\n" + c.key, std::to_string(b)));
    std::uniform_int_distribution<std::size_t> pick(0, records.size() - 1);
    for (std::size_t& r : rows) r = pick(rng);
    for (const MetricValue& v : accumulate(metric, c.info, records, &rows)) draws[v.name].push_back(v.value);
  }
  std::map<std::string, std::pair<double, double>> out;
  for (auto& [name, values] : draws) out[name] = {percentile(values, 0.025), percentile(values, 0.975)};
  return out;
}

}  // namespace

std::vector<Spec> default_metrics(const PluginHost& host) {
  std::vector<Spec> out;
  for (const char* text : kDefaultMetrics) {
    Spec spec = parse_spec(text);
    if (!host.registry().find_by_name(spec.name).empty()) out.push_back(spec);
  }
  return out;
}

ReportFiles write_report(PluginHost& host, ResultsStore& store, const ReportOptions& options,
                         const std::filesystem::path& dir) {
  std::vector<StoredCondition> conditions;
  for (const StoredCondition& c : store.conditions())
    if (c.status == "done") conditions.push_back(c);
  if (conditions.empty()) throw Error("report: '" + store.file().string() + "' has no finished condition yet");

  struct LoadedMetric {
    std::string spec;
    std::uint32_t capabilities;
    std::shared_ptr<Metric> metric;
  };
  std::vector<LoadedMetric> metrics;
  for (const Spec& spec : options.metrics.empty() ? default_metrics(host) : options.metrics) {
    ResolvedPlugin m = host.resolve(PluginKind::metric, spec);
    metrics.push_back({m.spec, m.descriptor().capabilities, host.create_metric(m)});
  }

  ReportFiles files;
  // A metric that fails over these conditions loses its own rows, never the report: the failure is
  // a warning naming the plugin, the call and the reason.
  auto guarded = [&](const std::function<void()>& compute) {
    try {
      compute();
    } catch (const Error& e) {
      spdlog::warn("{}", e.what());
      files.warnings.push_back(e.what());
    }
  };
  // Contamination-corrected metrics: per audited dataset, the samples whose nearest pre-training
  // neighbour is a duplicate (overlap) and the other audited ones (clean).
  std::vector<AuditedDataset> audits;
  std::map<std::string, std::map<std::string, bool>> overlapping;  // dataset -> sample id -> overlaps
  for (const OverlapAudit& a : store.overlap_audits()) {
    const std::vector<OverlapSample> samples = store.overlap_samples(a.dataset);
    for (const OverlapSample& s : samples)
      overlapping[a.dataset][s.sample_id] = overlap_class(s, a.thresholds) != "none";
    audits.push_back({a, count_overlap(samples, a.thresholds)});
  }

  std::vector<StoredSummary> rows;
  std::vector<ConditionSummary> per_condition;
  for (const StoredCondition& c : conditions) {
    std::vector<SampleRecord> records;
    store.read_records(c.id, [&](const SampleRecord& r) { records.push_back(r); });
    if (auto audited = overlapping.find(c.info.dataset); audited != overlapping.end()) {
      std::vector<std::size_t> subsets[2];  // overlap, clean
      for (std::size_t i = 0; i < records.size(); ++i)
        if (auto it = audited->second.find(records[i].sample_id); it != audited->second.end())
          subsets[it->second ? 0 : 1].push_back(i);
      for (int s = 0; s < 2; ++s) {
        const std::string scope = s == 0 ? "overlap_subset" : "clean_subset";
        rows.push_back({scope,
                        "",
                        c.info,
                        c.id,
                        {"samples", static_cast<double>(subsets[s].size()), std::nullopt, std::nullopt},
                        std::nullopt,
                        std::nullopt});
        if (subsets[s].empty()) continue;
        for (const auto& [spec, capabilities, metric] : metrics) {
          if (!(capabilities & kPerCondition)) continue;
          guarded([&, &spec = spec, &metric = metric] {
            for (const MetricValue& v : accumulate(*metric, c.info, records, &subsets[s]))
              rows.push_back({scope, spec, c.info, c.id, v, std::nullopt, std::nullopt});
          });
        }
      }
    }
    ConditionSummary summary{c.info, {}};
    for (const auto& [spec, capabilities, metric] : metrics) {
      if (!(capabilities & kPerCondition)) continue;
      std::vector<MetricValue> values;
      std::map<std::string, std::pair<double, double>> intervals;
      guarded([&, &metric = metric] {
        values = accumulate(*metric, c.info, records, nullptr);
        if (options.bootstrap > 0 && records.size() > 1)
          intervals = bootstrap(*metric, c, records, options.bootstrap, options.seed);
      });
      for (const MetricValue& v : values) {
        StoredSummary row{"condition", spec, c.info, c.id, v, std::nullopt, std::nullopt};
        if (auto it = intervals.find(v.name); it != intervals.end()) {
          row.boot_low = it->second.first;
          row.boot_high = it->second.second;
        }
        rows.push_back(row);
        summary.values.push_back(v);
      }
    }
    per_condition.push_back(std::move(summary));
  }

  // The models in order of appearance, each with its conditions' summaries.
  std::vector<std::string> model_order;
  for (const StoredCondition& c : conditions)
    if (std::find(model_order.begin(), model_order.end(), c.info.model) == model_order.end())
      model_order.push_back(c.info.model);
  std::vector<std::vector<ConditionSummary>> by_model;
  for (const std::string& model : model_order) {
    std::vector<ConditionSummary>& group = by_model.emplace_back();
    for (const ConditionSummary& s : per_condition)
      if (s.info.model == model) group.push_back(s);
  }
  auto stored_id = [&](const ConditionInfo& info) -> std::int64_t {
    for (const StoredCondition& c : conditions)
      if (same_cell(c.info, info)) return c.id;
    return 0;
  };
  RecordReader reader = [&](const ConditionInfo& info, const std::function<void(const SampleRecord&)>& visit) {
    const std::int64_t id = stored_id(info);
    if (id == 0)
      throw Error("report: no stored condition '" + info.condition + "' of dataset '" + info.dataset + "' to read");
    store.read_records(id, visit);
  };
  for (const auto& [spec, capabilities, metric] : metrics) {
    if (capabilities & kAcrossConditions)
      for (const auto& group : by_model)
        guarded([&, &spec = spec, &metric = metric] {
          for (const ConditionSummary& s : metric->across_conditions(group, reader))
            for (const MetricValue& v : s.values)
              rows.push_back({"across_conditions", spec, s.info, stored_id(s.info), v, std::nullopt, std::nullopt});
        });
    if (capabilities & kAcrossModels)
      guarded([&, &spec = spec, &metric = metric] {
        for (const ConditionSummary& s : metric->across_models(by_model))
          for (const MetricValue& v : s.values)
            rows.push_back({"across_models", spec, s.info, stored_id(s.info), v, std::nullopt, std::nullopt});
      });
  }
  if (!store.read_only()) store.replace_summaries(rows);  // a read-only store keeps what it has

  // The attack sanity checks, per model and dataset, as roz eval runs them.
  std::map<std::pair<std::string, std::string>, EvalReport> evaluations;
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    EvalReport& e = evaluations[{conditions[i].info.model, conditions[i].info.dataset}];
    ConditionReport r;
    r.info = conditions[i].info;
    r.values = per_condition[i].values;
    r.samples = conditions[i].samples;
    e.conditions.push_back(std::move(r));
  }
  for (const auto& [key, evaluation] : evaluations)
    for (const std::string& w : attack_sanity_warnings(evaluation, host.registry())) {
      spdlog::warn("{}", w);
      files.warnings.push_back(w);
    }

  std::filesystem::create_directories(dir);
  ReportData data{store, conditions, rows, files.warnings, audits};
  files.json = dir / "report.json";
  files.csv = dir / "summary.csv";
  files.markdown = dir / "report.md";
  files.html = dir / "report.html";
  // Everything rendered before anything is written, each file replaced whole: a failure leaves the
  // previous report as it was.
  const std::string json = json_report(data), csv = csv_report(data), markdown = markdown_report(data),
                    html = html_report(data);
  write_text_atomically(files.json, json);
  write_text_atomically(files.csv, csv);
  write_text_atomically(files.markdown, markdown);
  write_text_atomically(files.html, html);
  return files;
}

}  // namespace roz::core

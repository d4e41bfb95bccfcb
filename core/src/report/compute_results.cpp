#include "roz/core/results.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <map>
#include <random>

#include "roz/core/attack_sanity.hpp"
#include "roz/core/plugin_host.hpp"
#include "roz/core/results_store.hpp"
#include "roz/core/run_config.hpp"
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

// The report model of one results store, built in steps: the finished conditions and the metrics
// first, then each condition's rows (with the contamination split and the bootstrap), then the
// rows across conditions and models, then the attack sanity checks.
class ReportBuilder {
 public:
  ReportBuilder(PluginHost& host, const ResultsStore& store, const ReportOptions& options)
      : host_(host), store_(store), options_(options) {
    results_.store = store.file();
    for (const char* key : {"config", "config_source", "seed", "shard", "roz_version", "precision", "device"})
      if (std::optional<std::string> v = store.meta(key)) results_.run[key] = *v;
    for (const StoredCondition& c : store.conditions().all())
      (c.status == "done" ? results_.conditions : results_.unfinished).push_back(c);
    // A store whose conditions all failed or were interrupted still has a report: what stopped them.
    if (results_.conditions.empty() && results_.unfinished.empty())
      throw Error("report: '" + store.file().string() + "' has no condition yet");
    for (const Spec& spec : options.metrics.empty() ? default_metrics(host) : options.metrics) {
      ResolvedPlugin m = host.resolve(PluginKind::metric, spec);
      metrics_.push_back({m.spec, m.descriptor().capabilities, host.create_metric(m)});
    }
    read_audits();
  }

  void add_condition_rows() {
    for (const StoredCondition& c : results_.conditions) {
      std::vector<SampleRecord> records;
      store_.records().read(c.id, [&](const SampleRecord& r) { records.push_back(r); });
      add_subset_rows(c, records);
      per_condition_.push_back(add_per_condition_rows(c, records));
    }
  }

  void add_summary_rows() {
    const std::vector<std::vector<ConditionSummary>> by_model = summaries_by_model();
    RecordReader reader = [&](const ConditionInfo& info, const std::function<void(const SampleRecord&)>& visit) {
      const std::int64_t id = stored_id(info);
      if (id == 0)
        throw Error("report: no stored condition '" + info.condition + "' of dataset '" + info.dataset + "' to read");
      store_.records().read(id, visit);
    };
    for (const auto& [spec, capabilities, metric] : metrics_) {
      if (capabilities & kAcrossConditions)
        for (const auto& group : by_model)
          guarded([&, &spec = spec, &metric = metric] {
            for (const ConditionSummary& s : metric->across_conditions(group, reader))
              add_summary(s, "across_conditions", spec);
          });
      if (capabilities & kAcrossModels)
        guarded([&, &spec = spec, &metric = metric] {
          for (const ConditionSummary& s : metric->across_models(by_model)) add_summary(s, "across_models", spec);
        });
    }
  }

  void add_attack_sanity_warnings() {
    for (const std::string& w : attack_sanity_warnings(results_, host_.registry())) warn(w);
  }

  Results take() { return std::move(results_); }

 private:
  struct LoadedMetric {
    std::string spec;
    std::uint32_t capabilities;
    std::shared_ptr<Metric> metric;
  };

  void warn(const std::string& message) {
    spdlog::warn("{}", message);
    results_.warnings.push_back(message);
  }

  // A metric that fails over these conditions loses its own rows, never the report: the failure is
  // a warning naming the plugin, the call and the reason.
  void guarded(const std::function<void()>& compute) {
    try {
      compute();
    } catch (const Error& e) {
      warn(e.what());
    }
  }

  // Per audited dataset, which samples have a copy in the pre-training set (overlap: verified on
  // the pixels, or by the embedding where no image could be read) and which audited ones do not (clean).
  void read_audits() {
    for (const OverlapAudit& a : store_.audits().all()) {
      const std::vector<OverlapSample> samples = store_.audits().samples(a.dataset);
      for (const OverlapSample& s : samples)
        overlapping_[a.dataset][s.sample_id] = copy_status(s, a.decision) != "none";
      results_.audits.push_back({a, count_overlap(samples, a.decision)});
      results_.pairs[a.dataset] = store_.audits().pairs(a.dataset);
    }
  }

  // Contamination-corrected metrics: every per-condition metric on the overlapping and on the clean
  // subset of an audited dataset's condition, with each subset's size.
  void add_subset_rows(const StoredCondition& c, const std::vector<SampleRecord>& records) {
    auto audited = overlapping_.find(c.info.dataset);
    if (audited == overlapping_.end()) return;
    std::vector<std::size_t> subsets[2];  // overlap, clean
    for (std::size_t i = 0; i < records.size(); ++i)
      if (auto it = audited->second.find(records[i].sample_id); it != audited->second.end())
        subsets[it->second ? 0 : 1].push_back(i);
    for (int s = 0; s < 2; ++s) {
      const std::string scope = s == 0 ? "overlap_subset" : "clean_subset";
      const MetricValue size{"samples", static_cast<double>(subsets[s].size()), Unit::count, std::nullopt,
                             std::nullopt};
      results_.rows.push_back({scope, "", c.info, c.id, size, std::nullopt, std::nullopt});
      if (subsets[s].empty()) continue;
      for (const auto& [spec, capabilities, metric] : metrics_) {
        if (!(capabilities & kPerCondition)) continue;
        guarded([&, &spec = spec, &metric = metric] {
          for (const MetricValue& v : accumulate(*metric, c.info, records, &subsets[s]))
            results_.rows.push_back({scope, spec, c.info, c.id, v, std::nullopt, std::nullopt});
        });
      }
    }
  }

  // Every per-condition metric on all the condition's records, with its bootstrap interval.
  ConditionSummary add_per_condition_rows(const StoredCondition& c, const std::vector<SampleRecord>& records) {
    ConditionSummary summary{c.info, {}};
    for (const auto& [spec, capabilities, metric] : metrics_) {
      if (!(capabilities & kPerCondition)) continue;
      std::vector<MetricValue> values;
      std::map<std::string, std::pair<double, double>> intervals;
      guarded([&, &metric = metric] {
        values = accumulate(*metric, c.info, records, nullptr);
        if (options_.bootstrap > 0 && records.size() > 1)
          intervals = bootstrap(*metric, c, records, options_.bootstrap, options_.seed);
      });
      for (const MetricValue& v : values) {
        StoredSummary row{"condition", spec, c.info, c.id, v, std::nullopt, std::nullopt};
        if (auto it = intervals.find(v.name); it != intervals.end()) {
          row.boot_low = it->second.first;
          row.boot_high = it->second.second;
        }
        results_.rows.push_back(row);
        summary.values.push_back(v);
      }
    }
    return summary;
  }

  // The models in order of appearance, each with its conditions' summaries.
  std::vector<std::vector<ConditionSummary>> summaries_by_model() const {
    std::vector<std::string> model_order;
    for (const StoredCondition& c : results_.conditions)
      if (std::find(model_order.begin(), model_order.end(), c.info.model) == model_order.end())
        model_order.push_back(c.info.model);
    std::vector<std::vector<ConditionSummary>> by_model;
    for (const std::string& model : model_order) {
      std::vector<ConditionSummary>& group = by_model.emplace_back();
      for (const ConditionSummary& s : per_condition_)
        if (s.info.model == model) group.push_back(s);
    }
    return by_model;
  }

  std::int64_t stored_id(const ConditionInfo& info) const {
    for (const StoredCondition& c : results_.conditions)
      if (same_cell(c.info, info)) return c.id;
    return 0;
  }

  void add_summary(const ConditionSummary& s, const std::string& scope, const std::string& spec) {
    for (const MetricValue& v : s.values)
      results_.rows.push_back({scope, spec, s.info, stored_id(s.info), v, std::nullopt, std::nullopt});
  }

  PluginHost& host_;
  const ResultsStore& store_;
  const ReportOptions& options_;
  Results results_;
  std::vector<LoadedMetric> metrics_;
  std::map<std::string, std::map<std::string, bool>> overlapping_;  // dataset -> sample id -> overlaps
  std::vector<ConditionSummary> per_condition_;                     // per finished condition, in order
};

}  // namespace

std::vector<Spec> default_metrics(const PluginHost& host) {
  std::vector<Spec> out;
  for (const char* text : kDefaultMetrics) {
    Spec spec = parse_spec(text);
    if (!host.registry().find_by_name(spec.name).empty()) out.push_back(spec);
  }
  return out;
}

ReportOptions stored_report_options(const ResultsStore& store) {
  const std::optional<std::string> text = store.meta("config");
  if (!text) throw Error("'" + store.file().string() + "' holds no run (no config stored)");
  const RunConfig config = parse_run_config(*text, store.meta("config_source").value_or("stored config"));
  return {config.metrics, config.bootstrap, config.seed};
}

Results compute_results(PluginHost& host, ResultsStore& store, const ReportOptions& options) {
  ReportBuilder builder(host, store, options);
  builder.add_condition_rows();
  builder.add_summary_rows();
  builder.add_attack_sanity_warnings();
  Results results = builder.take();
  if (!store.read_only()) store.summaries().replace(results.rows);  // a read-only store keeps what it has
  return results;
}

const StoredSummary* find_value(const Results& results, std::int64_t condition_id, const std::string& name,
                                const std::string& scope) {
  for (const StoredSummary& r : results.rows)
    if (r.scope == scope && r.condition_id == condition_id && r.value.name == name) return &r;
  return nullptr;
}

}  // namespace roz::core

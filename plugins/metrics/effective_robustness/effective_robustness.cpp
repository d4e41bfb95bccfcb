// effective_robustness: robustness to natural distribution shifts beyond what in-distribution accuracy
// predicts (Taori et al. 2020, "Measuring Robustness to Natural Distribution Shifts in Image
// Classification", and their imagenet-testbed). Per (model, shift dataset) a row with the shift
// condition's info and
//   effective_robustness = acc_shift - sigmoid(slope * logit(acc_id) + intercept), with fit_slope and
//                          fit_intercept, the baseline line (attribute baseline says whose);
//   relative_robustness  = acc_shift - acc_shift(baseline model): the testbed's relative robustness,
//                          the gain on the shift over a baseline model of the run (`baseline_model`,
//                          else the run's first image classifier; none: not reported);
//   accuracy_drop        = acc_id - acc_shift;
//   id_top1, shift_top1  = the accuracies used.
// acc_shift: the shift dataset's clean top1, or its pm0 where anchor_accuracy gives one (the video
// sets: the testbed's benign accuracy is on anchor frames). acc_id: top1 on the clean condition of the
// shift's in_distribution dataset, restricted to the shift's classes as the testbed restricts it (its
// `val-on-*-classes` settings): only samples of those classes, logits of those classes (attribute
// id_classes), correct when the arg-max is in the label's class group (attribute class_groups:
// ObjectNet's and the video sets' several ImageNet classes per class).
// The baseline line, the first that applies: the parameters slope and intercept; the least-squares
// line in logit space over the run's image classifiers (head label_set) on that shift, when they give
// two distinct in-distribution accuracies (the testbed fits over standard supervised models); the
// testbed's own published line for a shift of that name (testbed_fits.hpp, `testbed_fits=false`
// turns it off); else none (no effective robustness). Never a line through the zero-shot models
// being judged.
#include <algorithm>
#include <map>
#include <optional>
#include <sstream>

#include "logit_fit.hpp"
#include "metrics_library.hpp"
#include "roz/metric.hpp"
#include "roz/protocol.hpp"
#include "roz/spec.hpp"
#include "roz/support/descriptor.hpp"
#include "roz/support/metrics/metric_support.hpp"
#include "testbed_fits.hpp"

namespace effective_robustness {
namespace {

using roz::metrics::has_role;
using roz::metrics::label;
using roz::metrics::value;

std::optional<double> find(const roz::ConditionSummary& c, const std::string& name) {
  for (const auto& v : c.values)
    if (v.name == name) return v.value;
  return std::nullopt;
}

double top1(const roz::ConditionSummary& c) {
  if (std::optional<double> v = find(c, roz::protocol::metric::top1)) return *v;
  throw roz::DataError("effective_robustness: condition '" + c.info.condition + "' of '" + c.info.dataset +
                       "' (model '" + c.info.model + "') has no top1 value (add the accuracy metric)");
}

std::string attribute(const roz::ConditionInfo& c, const char* key) {
  auto it = c.attributes.find(key);
  return it == c.attributes.end() ? "" : it->second;
}

std::vector<std::int64_t> numbers(const roz::ConditionInfo& c, const char* key) {
  std::vector<std::int64_t> out;
  std::istringstream in(attribute(c, key));
  for (std::string item; std::getline(in, item, ',');) {
    double v = 0;
    if (!roz::parse_number(item, v) || v < 0)
      throw roz::DataError("effective_robustness: " + label(c) + ": attribute " + key + " holds '" + item +
                           "', not a column number");
    out.push_back(static_cast<std::int64_t>(v));
  }
  return out;
}

// The in-distribution clean condition a shift condition is compared with.
const roz::ConditionSummary* in_distribution_of(const roz::ConditionSummary& shift,
                                                const std::vector<roz::ConditionSummary>& conditions) {
  const std::string named = attribute(shift.info, roz::protocol::attribute::in_distribution);
  for (const auto& c : conditions)
    if (c.info.kind == roz::protocol::kind::clean && has_role(c.info, roz::protocol::role::in_distribution) &&
        (named.empty() || c.info.dataset == named))
      return &c;
  return nullptr;
}

// One model on one shift: the two accuracies the trend relates.
struct Point {
  double id = 0, shift = 0;
};

// Top-1 over the in-distribution samples of the shift's classes, logits of those classes only.
double restricted_top1(const roz::ConditionSummary& id, const roz::ConditionSummary& shift,
                       const roz::RecordReader& records) {
  const std::vector<std::int64_t> columns = numbers(shift.info, roz::protocol::attribute::id_classes);
  std::vector<std::int64_t> groups = numbers(shift.info, roz::protocol::attribute::class_groups);
  if (groups.empty())
    for (std::size_t k = 0; k < columns.size(); ++k) groups.push_back(static_cast<std::int64_t>(k));
  if (groups.size() != columns.size())
    throw roz::DataError("effective_robustness: " + label(shift.info) + ": " + std::to_string(groups.size()) +
                         " class groups for " + std::to_string(columns.size()) + " classes");
  std::map<std::int64_t, std::size_t> position;  // in-distribution column -> shift class
  for (std::size_t k = 0; k < columns.size(); ++k) position[columns[k]] = k;
  std::size_t counted = 0, correct = 0;
  records(id.info, [&](const roz::SampleRecord& r) {
    auto own = position.find(r.label);
    if (own == position.end()) return;  // a sample of a class the shift does not have
    std::size_t best = 0;
    for (std::size_t k = 0; k < columns.size(); ++k) {
      if (columns[k] >= static_cast<std::int64_t>(r.logits.size()))
        throw roz::DataError("effective_robustness: " + label(id.info) + ": sample '" + r.sample_id + "' has " +
                             std::to_string(r.logits.size()) + " logits; " + label(shift.info) + " names column " +
                             std::to_string(columns[k]));
      if (r.logits[static_cast<std::size_t>(columns[k])] > r.logits[static_cast<std::size_t>(columns[best])]) best = k;
    }
    ++counted;
    correct += groups[best] == groups[own->second];
  });
  if (counted == 0)
    throw roz::DataError("effective_robustness: " + label(id.info) + " has no sample of the classes of " +
                         label(shift.info));
  return static_cast<double>(correct) / static_cast<double>(counted);
}

Point point(const roz::ConditionSummary& shift, const roz::ConditionSummary& id, const roz::RecordReader* records) {
  Point p;
  p.shift = find(shift, "pm0").value_or(top1(shift));
  p.id = records && shift.info.attributes.count(roz::protocol::attribute::id_classes)
             ? restricted_top1(id, shift, *records)
             : top1(id);
  return p;
}

bool image_classifier(const std::vector<roz::ConditionSummary>& conditions) {
  return !conditions.empty() &&
         attribute(conditions.front().info, roz::protocol::attribute::head) == roz::protocol::head::label_set;
}

// The testbed's line for a shift of this name at this in-distribution accuracy (ImageNet-A's is
// piecewise).
std::optional<std::pair<LogitFit, std::string>> testbed_fit(const std::string& dataset, double id) {
  for (const TestbedFit& f : kTestbedFits)
    if (dataset == f.dataset && 100 * id > f.x_low && 100 * id <= f.x_high)
      return std::make_pair(LogitFit{f.slope, f.intercept}, std::string("imagenet-testbed: ") + f.y + " on " + f.x +
                                                                " over " + std::to_string(f.models) +
                                                                " standard ImageNet models (" + f.script + ")");
  return std::nullopt;
}

class EffectiveRobustness final : public roz::Metric {
 public:
  explicit EffectiveRobustness(const roz::Params& params)
      : baseline_model_(params.get_string("baseline_model")), testbed_fits_(params.get_bool("testbed_fits")) {
    if (params.has("slope") != params.has("intercept"))
      throw roz::ParamError("effective_robustness: give both slope and intercept, or neither (then they are fitted)");
    if (params.has("slope")) given_ = LogitFit{params.get_real("slope"), params.get_real("intercept")};
  }

  // The class-restricted in-distribution accuracies need records: computed here, per model, and kept
  // for across_models (the host runs a metric's across_conditions before its across_models).
  std::vector<roz::ConditionSummary> across_conditions(const std::vector<roz::ConditionSummary>& conditions,
                                                       const roz::RecordReader& records) override {
    for (const auto& c : conditions)
      if (c.info.kind == roz::protocol::kind::clean && has_role(c.info, roz::protocol::role::shift))
        if (const roz::ConditionSummary* id = in_distribution_of(c, conditions))
          points_[{c.info.model, c.info.dataset}] = point(c, *id, &records);
    return {};
  }

  std::vector<roz::ConditionSummary> across_models(
      const std::vector<std::vector<roz::ConditionSummary>>& models) override {
    struct Entry {
      const roz::ConditionSummary* shift;
      Point point;
      bool classifier;
    };
    std::vector<Entry> entries;
    std::map<std::string, double> baseline_shift;  // shift dataset -> the baseline model's accuracy
    std::string baseline = baseline_model_;
    for (const auto& conditions : models) {
      if (baseline.empty() && image_classifier(conditions)) baseline = conditions.front().info.model;
      for (const auto& c : conditions) {
        if (c.info.kind != roz::protocol::kind::clean || !has_role(c.info, roz::protocol::role::shift)) continue;
        const roz::ConditionSummary* id = in_distribution_of(c, conditions);
        if (!id)
          throw roz::DataError("effective_robustness: model '" + c.info.model + "' has shift dataset '" +
                               c.info.dataset + "' but no in-distribution clean condition");
        auto cached = points_.find({c.info.model, c.info.dataset});
        entries.push_back(
            {&c, cached != points_.end() ? cached->second : point(c, *id, nullptr), image_classifier(conditions)});
      }
    }
    for (const Entry& e : entries)
      if (e.shift->info.model == baseline) baseline_shift[e.shift->info.dataset] = e.point.shift;

    std::map<std::string, std::optional<LogitFit>> run_fits;  // per shift: over the run's classifiers
    std::map<std::string, int> classifiers;
    {
      std::map<std::string, std::vector<std::pair<double, double>>> points;
      for (const Entry& e : entries)
        if (e.classifier) points[e.shift->info.dataset].emplace_back(e.point.id, e.point.shift);
      for (const auto& [dataset, p] : points) {
        run_fits[dataset] = fit_logit_line(p);
        classifiers[dataset] = static_cast<int>(p.size());
      }
    }

    std::vector<roz::ConditionSummary> out;
    for (const Entry& e : entries) {
      const std::string& dataset = e.shift->info.dataset;
      roz::ConditionSummary row{e.shift->info, {}};
      std::optional<std::pair<LogitFit, std::string>> fit;
      if (given_)
        fit = std::make_pair(*given_, std::string("given (slope, intercept)"));
      else if (run_fits[dataset])
        fit = std::make_pair(*run_fits[dataset], "the run's " + std::to_string(classifiers[dataset]) +
                                                     " image classifiers (least squares in logit space)");
      else if (testbed_fits_)
        fit = testbed_fit(dataset, e.point.id);
      if (fit) {
        row.values.push_back(
            value("effective_robustness", e.point.shift - fit->first.predict(e.point.id), roz::Unit::fraction));
        row.values.push_back(value("fit_slope", fit->first.slope, roz::Unit::number));
        row.values.push_back(value("fit_intercept", fit->first.intercept, roz::Unit::number));
        row.info.attributes[roz::protocol::attribute::baseline] = fit->second;
      }
      if (auto b = baseline_shift.find(dataset); b != baseline_shift.end()) {
        row.values.push_back(value("relative_robustness", e.point.shift - b->second, roz::Unit::fraction));
        row.info.attributes["relative_to"] = baseline;
      }
      row.values.push_back(value("accuracy_drop", e.point.id - e.point.shift, roz::Unit::fraction));
      row.values.push_back(value("id_top1", e.point.id, roz::Unit::fraction));
      row.values.push_back(value("shift_top1", e.point.shift, roz::Unit::fraction));
      out.push_back(std::move(row));
    }
    return out;
  }

 private:
  std::optional<LogitFit> given_;
  std::string baseline_model_;
  bool testbed_fits_;
  std::map<std::pair<std::string, std::string>, Point> points_;  // (model, shift dataset), from across_conditions
};

}  // namespace
}  // namespace effective_robustness

roz::PluginDescriptor roz::builtin::describe_effective_robustness() {
  return roz::support::descriptor(
      "effective_robustness", roz::PluginKind::metric,
      "effective robustness on role=shift datasets against a baseline trend in logit space (Taori et al. 2020: the "
      "run's image classifiers, else imagenet-testbed's published line), relative robustness to a baseline model, "
      "accuracy drop; in-distribution accuracy restricted to each shift's classes",
      {roz::param::optional(
           roz::param::real("slope", 1, std::nullopt, std::nullopt, "slope of a given logit-space trend")),
       roz::param::optional(
           roz::param::real("intercept", 0, std::nullopt, std::nullopt, "intercept of a given logit-space trend")),
       roz::param::string("baseline_model", "",
                          "the run's model (spec as written) relative robustness is measured against; empty: the "
                          "first image classifier"),
       roz::param::boolean("testbed_fits", true,
                           "use imagenet-testbed's published line for ImageNet shifts when the run has no classifiers "
                           "to fit one")},
      roz::kAcrossConditions | roz::kAcrossModels, roz::factory<effective_robustness::EffectiveRobustness>());
}

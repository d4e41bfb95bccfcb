// anchor_accuracy: pm-k accuracy of ImageNet-Vid-Robust and YTBB-Robust (Shankar et al. 2021, "Do Image
// Classifiers Generalize Across Time?"), as modestyachts/imagenet-testbed computes it. Each record of
// such a dataset carries metadata["pm_anchor"], the sample id of its set's anchor frame (an anchor
// names itself); the set is the anchor and its reviewed neighbour frames within k frames.
//   pm0     = share of anchors whose own prediction is correct;
//   pmk     = share of anchors whose prediction and every prediction of their set are correct (the
//             worst case over the set);
//   anchors = the number of anchors, the denominator of both.
// A prediction is correct as the accuracy plugin's top1 (accepted_labels.hpp). Records without
// pm_anchor, and unlabelled ones, are ignored; a neighbour whose anchor is not among the records has no set to count
// in. No record with pm_anchor: nothing.
#include <algorithm>
#include <map>
#include <string>

#include "metrics_library.hpp"
#include "roz/metric.hpp"
#include "roz/support/descriptor.hpp"
#include "roz/support/metrics/accepted_labels.hpp"
#include "roz/support/metrics/metric_support.hpp"

namespace anchor_accuracy {
namespace {

using roz::metrics::value;

bool correct(const roz::SampleRecord& r) {
  return roz::metrics::top1_correct(r.logits, roz::metrics::accepted_labels(r, "anchor_accuracy"));
}

class AnchorAccumulator final : public roz::MetricAccumulator {
 public:
  void add(const roz::SampleRecord& r) override {
    auto anchor = r.metadata.find("pm_anchor");
    if (anchor == r.metadata.end() || roz::metrics::unlabelled(r)) return;
    any_ = true;
    Set& set = sets_[anchor->second];
    const bool ok = correct(r);
    set.all_correct = set.all_correct && ok;
    if (anchor->second == r.sample_id) {
      set.has_anchor = true;
      set.anchor_correct = ok;
    }
  }

  std::vector<roz::MetricValue> finish() override {
    if (!any_) return {};
    std::int64_t anchors = 0, pm0 = 0, pmk = 0;
    for (const auto& [id, set] : sets_) {
      if (!set.has_anchor) continue;
      ++anchors;
      pm0 += set.anchor_correct;
      pmk += set.all_correct;
    }
    if (anchors == 0) return {value("anchors", 0, roz::Unit::count)};
    const auto n = static_cast<double>(anchors);
    return {value("pm0", static_cast<double>(pm0) / n, roz::Unit::fraction),
            value("pmk", static_cast<double>(pmk) / n, roz::Unit::fraction), value("anchors", n, roz::Unit::count)};
  }

 private:
  struct Set {
    bool has_anchor = false, anchor_correct = false, all_correct = true;
  };
  std::map<std::string, Set> sets_;  // anchor sample id -> its set
  bool any_ = false;
};

class AnchorAccuracy final : public roz::Metric {
 public:
  explicit AnchorAccuracy(const roz::Params&) {}
  std::unique_ptr<roz::MetricAccumulator> accumulate(const roz::ConditionInfo&) override {
    return std::make_unique<AnchorAccumulator>();
  }
};

}  // namespace
}  // namespace anchor_accuracy

roz::PluginDescriptor roz::builtin::describe_anchor_accuracy() {
  return roz::support::descriptor("anchor_accuracy", roz::PluginKind::metric,
                                  "pm-0 and pm-k accuracy over anchor-frame sets (ImageNet-Vid-Robust, YTBB-Robust)",
                                  {}, roz::kPerCondition, roz::factory<anchor_accuracy::AnchorAccuracy>());
}

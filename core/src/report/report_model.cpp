#include "report/report_model.hpp"
#include "roz/protocol.hpp"

#include <algorithm>
#include <iterator>

namespace roz::core {

namespace {

namespace metric = protocol::metric;
const char* const kHeadline[] = {metric::top1,
                                 metric::top5,
                                 metric::robust_accuracy,
                                 metric::attack_success_rate,
                                 metric::median_min_eps,
                                 metric::typographic_success_rate,
                                 metric::ece,
                                 metric::nll};

}  // namespace

std::optional<double> top1(const Results& d, const StoredCondition& c) {
  const StoredSummary* r = find_value(d, c.id, protocol::metric::top1);
  return r ? std::optional(r->value.value) : std::nullopt;
}

std::string run_meta(const Results& d, const std::string& key) {
  auto it = d.run.find(key);
  return it == d.run.end() ? "?" : it->second;
}

std::vector<std::vector<const StoredCondition*>> model_dataset_groups(const Results& d) {
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

std::vector<std::string> headline_names(const Results& d, const std::vector<const StoredCondition*>& group) {
  std::vector<std::string> names;
  for (const char* n : kHeadline)
    for (const StoredCondition* c : group)
      if (find_value(d, c->id, n) && std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  return names;
}

bool is_headline(const std::string& name) {
  return std::find(std::begin(kHeadline), std::end(kHeadline), name) != std::end(kHeadline);
}

std::string attribute(const StoredCondition& c, const std::string& key) {
  auto it = c.info.attributes.find(key);
  return it == c.info.attributes.end() ? "" : it->second;
}

std::string label(const StoredCondition& c) {
  const std::string written = attribute(c, protocol::attribute::label);
  return written.empty() ? c.info.condition : written;
}

std::string unfinished_line(const StoredCondition& c) {
  return c.info.dataset + " " + label(c) + " (" + model_name(c.info.model) + "): " +
         (c.status == "failed" ? "failed: " + c.error : "not finished (interrupted? --resume continues it)");
}

std::string model_name(const std::string& spec) {
  return spec.substr(0, spec.find(':'));
}

std::vector<SplitValue> split_values(const Results& d, const std::string& dataset, bool headline_only) {
  std::vector<SplitValue> out;
  for (const StoredCondition& c : d.conditions) {
    if (c.info.dataset != dataset) continue;
    std::vector<std::string> names;
    for (const StoredSummary& r : d.rows)
      if (r.scope == "clean_subset" && r.condition_id == c.id && r.value.name != "samples" &&
          std::find(names.begin(), names.end(), r.value.name) == names.end())
        names.push_back(r.value.name);
    for (const std::string& name : names) {
      if (headline_only && !is_headline(name)) continue;
      out.push_back({&c, name, find_value(d, c.id, name), find_value(d, c.id, name, "overlap_subset"),
                     find_value(d, c.id, name, "clean_subset")});
    }
  }
  return out;
}

std::int64_t subset_samples(const Results& d, const StoredCondition& c, const std::string& scope) {
  const StoredSummary* r = find_value(d, c.id, "samples", scope);
  return r ? static_cast<std::int64_t>(r->value.value) : 0;
}

}  // namespace roz::core

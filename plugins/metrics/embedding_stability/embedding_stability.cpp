// embedding_stability: how far perturbations move a sample's image embedding. Conditions sharing
// attributes[roz::protocol::attribute::perturbation_group] (the severities of one corruption, the budgets of one
// attack, repeated seeded draws, ...) form a group, per dataset; each sample's clean embedding e0 (from the dataset's
// kind clean condition) is compared with its perturbed embeddings e_1..e_m, one per condition of the group, all
// L2-normalised. One row per group: kind "summary", condition "group:NAME" (NAME the group's),
// attributes[roz::protocol::attribute::perturbation_group], the group's model and dataset, and
//   mean_cosine      mean over samples and perturbations of cos(e0, e_i);
//   mean_distance    mean Euclidean distance |e0 - e_i|;
//   mean_divergence_radius  mean over samples of their DivergenceRadius, the radius of the minimum
//                    enclosing ball of {e0, e_1..e_m}, exact (divergence_radius.hpp);
//   samples          the samples compared; skipped: those lacking an embedding (or the record) in the
//                    clean condition or in one of the group's conditions, left out of the means.
// The means are absent when no sample could be compared.
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "divergence_radius.hpp"
#include "metrics_library.hpp"
#include "roz/metric.hpp"
#include "roz/protocol.hpp"
#include "roz/support/descriptor.hpp"
#include "roz/support/metrics/metric_support.hpp"

namespace embedding_stability {
namespace {

using roz::metrics::label;
using roz::metrics::value;

struct Group {
  std::string name;
  std::vector<const roz::ConditionInfo*> conditions;
};

// Reads a condition's embeddings, L2-normalised, by sample id; checks every one has `dim` entries
// (set from the first embedding seen when 0).
std::map<std::string, std::vector<float>> read_embeddings(const roz::ConditionInfo& c, const roz::RecordReader& records,
                                                          std::set<std::string>& seen, size_t& dim) {
  std::map<std::string, std::vector<float>> out;
  records(c, [&](const roz::SampleRecord& r) {
    seen.insert(r.sample_id);
    if (r.embedding.empty()) return;
    if (dim == 0) dim = r.embedding.size();
    if (r.embedding.size() != dim)
      throw roz::DataError("embedding_stability: " + label(c) + ": sample '" + r.sample_id + "' has a " +
                           std::to_string(r.embedding.size()) + "-dimensional embedding, others have " +
                           std::to_string(dim));
    double norm = 0;
    for (float v : r.embedding) norm += static_cast<double>(v) * v;
    norm = std::sqrt(norm);
    if (!(norm > 0))
      throw roz::DataError("embedding_stability: " + label(c) + ": sample '" + r.sample_id + "' has a zero embedding");
    std::vector<float>& e = out[r.sample_id];
    for (float v : r.embedding) e.push_back(static_cast<float>(v / norm));
  });
  return out;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (size_t k = 0; k < a.size(); ++k) d += static_cast<double>(a[k]) * b[k];
  return d;
}

double distance(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0;
  for (size_t k = 0; k < a.size(); ++k) d += (static_cast<double>(a[k]) - b[k]) * (static_cast<double>(a[k]) - b[k]);
  return std::sqrt(d);
}

class EmbeddingStability final : public roz::Metric {
 public:
  explicit EmbeddingStability(const roz::Params&) {}

  std::vector<roz::ConditionSummary> across_conditions(const std::vector<roz::ConditionSummary>& conditions,
                                                       const roz::RecordReader& records) override {
    std::map<std::string, const roz::ConditionInfo*> clean;  // dataset -> its clean condition
    std::vector<Group> groups;
    std::map<std::pair<std::string, std::string>, size_t> group_index;  // (dataset, group) -> groups[i]
    for (const auto& c : conditions) {
      if (c.info.kind == roz::protocol::kind::clean) {
        clean.emplace(c.info.dataset, &c.info);
        continue;
      }
      auto g = c.info.attributes.find(roz::protocol::attribute::perturbation_group);
      if (g == c.info.attributes.end()) continue;
      auto [it, fresh] = group_index.emplace(std::pair{c.info.dataset, g->second}, groups.size());
      if (fresh) groups.push_back({g->second, {}});
      groups[it->second].conditions.push_back(&c.info);
    }
    std::vector<roz::ConditionSummary> out;
    for (const auto& g : groups) out.push_back(compare(g, clean, records));
    return out;
  }

 private:
  roz::ConditionSummary compare(const Group& g, const std::map<std::string, const roz::ConditionInfo*>& clean,
                                const roz::RecordReader& records) const {
    const roz::ConditionInfo& first = *g.conditions.front();
    auto reference = clean.find(first.dataset);
    if (reference == clean.end())
      throw roz::DataError("embedding_stability: perturbation group '" + g.name + "' of '" + first.dataset +
                           "' has no clean condition to compare with");
    std::set<std::string> seen;
    size_t dim = 0;
    const auto e0 = read_embeddings(*reference->second, records, seen, dim);
    std::vector<std::map<std::string, std::vector<float>>> perturbed;
    for (const auto* c : g.conditions) perturbed.push_back(read_embeddings(*c, records, seen, dim));

    double cosine = 0, dist = 0, radius = 0;
    std::int64_t samples = 0, pairs = 0;
    for (const auto& [id, clean_embedding] : e0) {
      std::vector<std::vector<float>> points = {clean_embedding};
      for (const auto& p : perturbed)
        if (auto it = p.find(id); it != p.end()) points.push_back(it->second);
      if (points.size() != perturbed.size() + 1) continue;
      for (std::size_t i = 1; i < points.size(); ++i) {
        cosine += dot(clean_embedding, points[i]);
        dist += distance(clean_embedding, points[i]);
        ++pairs;
      }
      radius += min_enclosing_radius(points);
      ++samples;
    }

    roz::ConditionInfo info = first;
    info.condition = "group:" + g.name;  // apart from real conditions: a corruption without parameters is named "fog"
    info.kind = roz::protocol::kind::summary;
    info.attributes = {{roz::protocol::attribute::perturbation_group, g.name}};
    roz::ConditionSummary row{info, {}};
    if (samples > 0) {
      row.values.push_back(value("mean_cosine", cosine / static_cast<double>(pairs), roz::Unit::number));
      row.values.push_back(value("mean_distance", dist / static_cast<double>(pairs), roz::Unit::number));
      row.values.push_back(value("mean_divergence_radius", radius / static_cast<double>(samples), roz::Unit::number));
    }
    row.values.push_back(value("samples", static_cast<double>(samples), roz::Unit::count));
    row.values.push_back(
        value("skipped", static_cast<double>(static_cast<std::int64_t>(seen.size()) - samples), roz::Unit::count));
    return row;
  }
};

}  // namespace
}  // namespace embedding_stability

roz::PluginDescriptor roz::builtin::describe_embedding_stability() {
  return roz::support::descriptor(
      "embedding_stability", roz::PluginKind::metric,
      "per perturbation group: cosine and distance of perturbed to clean image embeddings, and their "
      "DivergenceRadius (the minimum enclosing ball of the clean and all perturbed embeddings, exact)",
      {}, roz::kAcrossConditions, roz::factory<embedding_stability::EmbeddingStability>());
}

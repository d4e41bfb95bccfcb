// Reads a model's clean and corruption errors from its summaries (see model_errors.hpp).
#include "model_errors.hpp"
#include "roz/support/metrics/metric_support.hpp"

#include <tuple>

#include "roz/error.hpp"
#include "roz/protocol.hpp"
#include "roz/spec.hpp"

namespace corruption_error {

namespace {

using roz::metrics::label;

double error_of(const roz::ConditionSummary& c) {
  for (const auto& v : c.values)
    if (v.name == roz::protocol::metric::top1) return 1 - v.value;
  throw roz::DataError("corruption_error: " + label(c.info) + " has no top1 value (add the accuracy metric)");
}

const std::string& attribute(const roz::ConditionInfo& c, const std::string& key) {
  auto it = c.attributes.find(key);
  if (it == c.attributes.end())
    throw roz::DataError("corruption_error: corruption " + label(c) + " has no '" + key + "' attribute");
  return it->second;
}

}  // namespace

std::vector<ModelErrors> collect_errors(const std::vector<roz::ConditionSummary>& conditions) {
  std::vector<ModelErrors> out;
  std::map<std::string, size_t> index;  // dataset -> out[i]
  std::map<std::tuple<std::string, std::string, std::int64_t>, const roz::ConditionInfo*> seen;
  for (const auto& c : conditions) {
    // Only leveled corruptions (ImageNet-C style) enter CE; typographic, resize, compose have no severity.
    if (c.info.kind != roz::protocol::kind::corruption || !c.info.attributes.count(roz::protocol::attribute::severity))
      continue;
    const std::string& name = attribute(c.info, roz::protocol::attribute::corruption);
    long long severity = 0;
    if (!roz::parse_integer(attribute(c.info, roz::protocol::attribute::severity), severity))
      throw roz::DataError("corruption_error: " + label(c.info) + ": severity '" +
                           attribute(c.info, roz::protocol::attribute::severity) + "' is not an integer");
    auto [previous, fresh] = seen.emplace(std::tuple{c.info.dataset, name, severity}, &c.info);
    if (!fresh)
      throw roz::DataError("corruption_error: " + label(*previous->second) + " and " + label(c.info) + " are both " +
                           name + " at severity " + std::to_string(severity));
    auto [at, added] = index.emplace(c.info.dataset, out.size());
    if (added) out.push_back({c.info.model, c.info.dataset, std::nullopt, {}, c.info.num_classes, true});
    ModelErrors& m = out[at->second];
    m.corruptions[name][severity] = error_of(c);
    auto input = c.info.attributes.find(roz::protocol::attribute::corruption_input);
    m.imagenet_c_input = m.imagenet_c_input && input != c.info.attributes.end() &&
                         input->second == roz::protocol::corruption_input::imagenet_c;
  }
  for (const auto& c : conditions)
    if (auto at = index.find(c.info.dataset);
        c.info.kind == roz::protocol::kind::clean && at != index.end() && !out[at->second].clean_error)
      out[at->second].clean_error = error_of(c);
  return out;
}

}  // namespace corruption_error
